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
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
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

}  // namespace

bool InLibevent(const void* code) {
  Dl_info info;
  if (dladdr(code, &info) == 0 || info.dli_fname == nullptr) return false;
  const char* slash = std::strrchr(info.dli_fname, '/');
  absl::string_view name = slash != nullptr ? slash + 1 : info.dli_fname;
  // libevent's own file names (libevent-2.1.so.7, libevent_core-2.1.so.7,
  // libevent.so, ...), not any library whose name merely starts so: code the
  // program ships is the program's, whatever its library is called.
  if (!absl::ConsumePrefix(&name, "libevent")) return false;
  for (absl::string_view part :
       {"_core", "_extra", "_pthreads", "_openssl", "_mbedtls"}) {
    if (absl::ConsumePrefix(&name, part)) break;
  }
  return absl::StartsWith(name, "-") || absl::StartsWith(name, ".so");
}

namespace {

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

// event_base_once (and event_base_loopexit, which uses it) gives libevent's
// event an internal record holding the event, then the callback and its
// argument; libevent calls a function of its own that calls that callback.
// Where the callback sits is learned once from event_base_loopexit on a
// scratch base, whose record holds libevent's own callback with the base as
// its argument.
struct OnceEventLayout {
  event_callback_fn trampoline = nullptr;  // libevent's, for every such event.
  std::ptrdiff_t event_offset = -1;        // Of the event in the record.
  std::ptrdiff_t callback_offset = -1;     // Of the callback in the record.
};

const OnceEventLayout& LearnedOnceEventLayout() {
  static const OnceEventLayout learned = [] {
    OnceEventLayout out;
    event_base* scratch = event_base_new();
    if (scratch == nullptr) return out;
    const timeval an_hour = {3600, 0};
    std::vector<Seen> pending;
    if (event_base_loopexit(scratch, &an_hour) == 0)
      event_base_foreach_event(scratch, Collect, &pending);
    for (const Seen& s : pending) {
      if (s.arg == scratch || s.arg == nullptr) continue;
      const char* record = static_cast<const char*>(s.arg);
      const std::ptrdiff_t event_offset =
          reinterpret_cast<const char*>(s.ev) - record;
      if (event_offset < 0 || event_offset > 64) continue;
      // After the event: the callback, then its argument (the base).
      const std::ptrdiff_t after =
          event_offset +
          static_cast<std::ptrdiff_t>(event_get_struct_event_size());
      for (std::ptrdiff_t at = after; at <= after + 64;
           at += static_cast<std::ptrdiff_t>(sizeof(void*))) {
        void* words[2];
        std::memcpy(words, record + at, sizeof words);
        if (words[1] == scratch && InLibevent(words[0])) {
          out.trampoline = s.cb;
          out.event_offset = event_offset;
          out.callback_offset = at;
          break;
        }
      }
    }
    event_base_free(scratch);
    return out;
  }();
  return learned;
}

// The callback an event_base_once event will call, when `s` is one (libevent
// calls its own function for it, with the record as argument), or nullptr.
const void* OnceCallbackOf(const Seen& s) {
  const OnceEventLayout& layout = LearnedOnceEventLayout();
  if (layout.trampoline == nullptr || s.cb != layout.trampoline ||
      s.arg == nullptr) {
    return nullptr;
  }
  const char* record = static_cast<const char*>(s.arg);
  if (reinterpret_cast<const char*>(s.ev) != record + layout.event_offset)
    return nullptr;
  void* callback;
  std::memcpy(&callback, record + layout.callback_offset, sizeof callback);
  return callback;
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
    if (const void* once = OnceCallbackOf(s)) {
      // event_base_loopexit's own callback, or the program's.
      if (InLibevent(once)) continue;
      return absl::StrFormat(
          "callback %s was registered with event_base_once directly, not "
          "through prism_base_once",
          SymbolTable::Describe(rt->symbols->Identify(once)));
    }
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

void PrepareBypassCheck() {
  LearnedSocketBuffereventCallbacks();
  LearnedOnceEventLayout();
}

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
  if (!rt->FallBackToSerial()) return;
  Warn(absl::StrFormat(
      "%s: it would run on the loop thread beside handlers on workers, "
      "outside the constraints; running serial from now on",
      bypass));
}

}  // namespace runtime
}  // namespace prism
