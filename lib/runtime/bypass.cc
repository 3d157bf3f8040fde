// Callbacks that reach libevent past the runtime: a raw event_new,
// event_assign, bufferevent_setcb or evconnlistener_new left in a ported
// server, or an API the runtime has no wrapper for (evhttp, evdns, ...). Such
// a callback runs on the loop thread while workers run handlers, outside the
// constraints.
//
// Whenever the workers are about to get work after being idle (at most every
// kScanInterval), the loop thread checks every event on the base against the
// runtime's records. Idle workers mean nothing else runs: the check reads
// bufferevents' callbacks without racing a handler. On the first callback
// that is not the runtime's, the runtime says which (by its symbol) and runs
// serially from then on: every invocation on the loop thread, as plain
// libevent would. (Scheduling it as the unknown row instead would need to
// re-register objects the runtime did not create, whose timeouts and state
// it cannot see.)
#include <dlfcn.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>

#include <cstddef>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "lib/runtime/identity.h"
#include "lib/runtime/runtime_state.h"

namespace prism {
namespace runtime {
namespace {

constexpr std::chrono::milliseconds kScanInterval(100);

struct Seen {
  const event* ev;
  event_callback_fn cb;
  void* arg;
};

int Collect(const event_base*, const event* ev, void* out) {
  static_cast<std::vector<Seen>*>(out)->push_back(
      {ev, event_get_callback(ev), event_get_callback_arg(ev)});
  return 0;
}

bool InLibevent(const void* code) {
  Dl_info info;
  if (dladdr(code, &info) == 0 || info.dli_fname == nullptr) return false;
  const char* base = std::strrchr(info.dli_fname, '/');
  base = base != nullptr ? base + 1 : info.dli_fname;
  return std::strncmp(base, "libevent", 8) == 0;
}

// The callbacks libevent gives a socket bufferevent's read and write events
// (static functions inside libevent), and the finalizer a freed bufferevent's
// events wait for (libevent frees the bufferevent in it, with the bufferevent
// as its argument; no program code runs there), learned once from a
// bufferevent on a scratch base.
struct SocketBuffereventCallbacks {
  event_callback_fn read = nullptr;
  event_callback_fn write = nullptr;
  event_callback_fn finalize = nullptr;
};

const SocketBuffereventCallbacks& LearnedSocketBuffereventCallbacks() {
  static const SocketBuffereventCallbacks learned = [] {
    SocketBuffereventCallbacks out;
    event_base* scratch = event_base_new();
    if (scratch == nullptr) return out;
    if (bufferevent* bev = bufferevent_socket_new(scratch, -1, 0)) {
      out.read = event_get_callback(&bev->ev_read);
      out.write = event_get_callback(&bev->ev_write);
      bufferevent_free(bev);
      // Freed, its events now wait in the base with the finalizer as their
      // callback (event_get_callback reads the same slot).
      std::vector<Seen> pending;
      event_base_foreach_event(scratch, Collect, &pending);
      for (const Seen& s : pending) {
        if (s.arg == bev && s.cb != out.read && s.cb != out.write) {
          out.finalize = s.cb;
        }
      }
    }
    event_base_free(scratch);
    return out;
  }();
  return learned;
}

// The socket bufferevent whose read or write event `s` is (libevent keeps
// both in the public struct bufferevent, calls its own callbacks for them and
// passes the bufferevent as their argument), or nullptr. Only compares
// addresses until the callback proves `s.arg` is a bufferevent.
bufferevent* BuffereventOf(const Seen& s) {
  const SocketBuffereventCallbacks& known = LearnedSocketBuffereventCallbacks();
  if (s.cb == nullptr || (s.cb != known.read && s.cb != known.write)) {
    return nullptr;
  }
  const char* arg = static_cast<const char*>(s.arg);
  const char* ev = reinterpret_cast<const char*>(s.ev);
  if (arg == nullptr) return nullptr;
  if (ev == arg + offsetof(bufferevent, ev_read) ||
      ev == arg + offsetof(bufferevent, ev_write)) {
    return static_cast<bufferevent*>(s.arg);
  }
  return nullptr;
}

// What is wrong with the base's events, or "" when every callback on it is
// the runtime's. Quiescent: no invocation on a worker.
std::string FindBypass(prism_runtime* rt) {
  std::vector<Seen> seen;
  event_base_foreach_event(rt->base, Collect, &seen);
  // A base holds many events but few distinct callbacks: ask dladdr once each.
  absl::flat_hash_map<event_callback_fn, bool> in_libevent;
  const event_callback_fn finalizer =
      LearnedSocketBuffereventCallbacks().finalize;
  for (const Seen& s : seen) {
    if (IsEventBridgeCallback(s.cb) || IsLoopEventCallback(s.cb)) continue;
    const void* code = reinterpret_cast<const void*>(s.cb);
    auto [known, fresh] = in_libevent.try_emplace(s.cb, false);
    if (fresh) known->second = InLibevent(code);
    if (!known->second) {
      return absl::StrFormat(
          "callback %s was registered with libevent directly (event_new, "
          "event_assign, ...), not through a prism_* wrapper",
          SymbolTable::Describe(rt->symbols->Identify(code)));
    }
    if (s.arg == rt->base) continue;  // The base's own (notify, signals).
    if (s.cb == finalizer) continue;
    if (bufferevent* bev = BuffereventOf(s)) {
      bufferevent_data_cb r = nullptr, w = nullptr;
      bufferevent_event_cb e = nullptr;
      bufferevent_getcb(bev, &r, &w, &e, nullptr);
      if (IsBufferEventBridgeCallbacks(r, w, e)) continue;
      const void* user = !IsBufferEventBridgeCallbacks(r, nullptr, nullptr)
                             ? reinterpret_cast<const void*>(r)
                         : !IsBufferEventBridgeCallbacks(nullptr, w, nullptr)
                             ? reinterpret_cast<const void*>(w)
                             : reinterpret_cast<const void*>(e);
      return absl::StrFormat(
          "bufferevent callback %s was set with bufferevent_setcb directly, "
          "not with prism_bufferevent_setcb",
          SymbolTable::Describe(rt->symbols->Identify(user)));
    }
    if (IsRuntimeListener(rt, s.arg)) continue;
    return absl::StrFormat(
        "libevent runs an event for an object the runtime did not create "
        "(an evconnlistener, evhttp, evdns, common timeout or rate limit; "
        "libevent callback %s)",
        SymbolTable::Describe(rt->symbols->Identify(code)));
  }
  return "";
}

}  // namespace

void PrepareBypassCheck() { LearnedSocketBuffereventCallbacks(); }

void NoteListener(prism_runtime* rt, const evconnlistener* listener) {
  std::lock_guard<std::mutex> lock(rt->registry_mu);
  rt->listener_objects.push_back(listener);
}

bool IsRuntimeListener(prism_runtime* rt, const void* object) {
  std::lock_guard<std::mutex> lock(rt->registry_mu);
  for (const evconnlistener* l : rt->listener_objects) {
    if (l == object) return true;
  }
  return false;
}

void CheckForBypass(prism_runtime* rt) {
  if (rt->serial_fallback.load(std::memory_order_relaxed) ||
      Scheduler::OnWorkerThread() ||
      rt->inflight.load(std::memory_order_acquire) != 0) {
    return;
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t next = rt->next_bypass_scan_ns.load(std::memory_order_relaxed);
  if (now < next ||
      !rt->next_bypass_scan_ns.compare_exchange_strong(
          next, now + std::chrono::nanoseconds(kScanInterval).count())) {
    return;
  }
  std::string bypass = FindBypass(rt);
  if (bypass.empty()) return;
  rt->serial_fallback.store(true, std::memory_order_release);
  rt->mode.store("serial", std::memory_order_relaxed);
  Warn(absl::StrFormat(
      "%s: it would run on the loop thread beside handlers on workers, "
      "outside the constraints; running serial from now on",
      bypass));
}

}  // namespace runtime
}  // namespace prism
