// libprism-preload.so: the runtime for an unmodified, dynamically linked
// libevent server (`prism run -- ./server`, or LD_PRELOAD by hand).
//
// It interposes libevent's registration API in the process: before the first
// event base is made it turns on libevent's pthread locking; each base the
// program makes gets a runtime (prism_runtime_new, with the environment's
// PRISM_* settings); every callback the program registers on such a base
// (events, timers, signals, event_base_once, bufferevents, listeners, and the
// 1.x event_set/event_base_set/event_once family) goes through the runtime's
// own registration, which identifies it by its address in the program's
// symbol table. event_del/event_free keep libevent's promise as
// prism/runtime.h's mappings do, and event_base_free drains the base's
// runtime first.
//
// Callbacks inside libevent itself (a bufferevent's socket events, evhttp,
// evdns, a listener's accept event) are libevent's business and pass through
// untouched; the runtime's bypass check then decides whether what they lead
// to (evhttp's request callbacks) leaves the runtime serial, and says so.
//
// The runtime calls libevent's functions itself, and inside this library
// those calls reach these interposers too: while a thread is inside the
// runtime (ScopedInRuntime), every interposer forwards to libevent's own
// function unchanged.
#include <dlfcn.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/runtime_state.h"
#include "prism/runtime.h"

namespace {

thread_local int in_runtime = 0;

struct ScopedInRuntime {
  ScopedInRuntime() { ++in_runtime; }
  ~ScopedInRuntime() { --in_runtime; }
  ScopedInRuntime(const ScopedInRuntime&) = delete;
  ScopedInRuntime& operator=(const ScopedInRuntime&) = delete;
};

// libevent's own definition of `name`: the next one after this library.
void* NextDefinition(const char* name) {
  void* symbol = dlsym(RTLD_NEXT, name);
  if (symbol == nullptr) {
    // This library links libevent itself, so this cannot happen unless the
    // process was set up by hand without it: nothing sane to fall back to.
    std::fprintf(stderr, "prism: libevent's %s is not loaded: %s\n", name,
                 dlerror());
    std::abort();
  }
  return symbol;
}

// Calls libevent's own `name` (resolved once).
#define LIBEVENT(name)                                              \
  ([]() {                                                           \
    static auto* const next =                                       \
        reinterpret_cast<decltype(&::name)>(NextDefinition(#name)); \
    return next;                                                    \
  }())

// A callback of the program's, not one of libevent's own (a bufferevent's
// socket events, a listener's accept event, evhttp, evdns).
bool ProgramCallback(const void* code) {
  return code != nullptr && !prism::runtime::InLibevent(code);
}

// The bases this library put under a runtime, numbered as made (for the
// lines it prints), with their runtimes (the runtime's own lookup,
// prism_runtime_of_base, is what registrations use).
struct Adopted {
  int number;
  prism_runtime* rt;
};
struct Registry {
  std::mutex mu;
  absl::flat_hash_map<event_base*, Adopted> adopted;
  int bases_made = 0;
  // The base libevent 1.x calls use (event_init's), which event_once needs.
  event_base* current_base = nullptr;
};

Registry& Runtimes() {
  static Registry* const registry = new Registry;  // Outlives exit handlers.
  return *registry;
}

// A forked child has none of the parent's worker threads: its runtimes run
// every invocation on the calling thread from then on.
void SerialAfterFork() {
  Registry& registry = Runtimes();
  // The parent's threads are gone: a lock one of them held stays held.
  new (&registry.mu) std::mutex;
  for (auto& [base, adopted] : registry.adopted) adopted.rt->FallBackToSerial();
}

// One line when a base ends: its mode and what each handler ran, so that
// `prism run` shows what the runtime made of the program.
void SaySummary(int number, const prism_runtime* rt) {
  const prism::v1::RuntimeTelemetry t =
      prism::runtime::RuntimeTelemetrySnapshot(rt);
  std::string handlers;
  for (const prism::v1::HandlerStats& h : t.handlers()) {
    absl::StrAppend(&handlers, handlers.empty() ? "" : ", ",
                    static_cast<int>(h.handler()) == rt->handlers.unknown()
                        ? std::string("handlers not in the constraints")
                        : rt->handlers.name(h.handler()),
                    " ", h.invocations());
  }
  prism::runtime::Warn(absl::StrFormat(
      "event base %d ends: %s, %u workers; invocations: %s", number, t.mode(),
      t.workers(), handlers.empty() ? "none scheduled" : handlers));
}

// At exit (a server that never frees its base): what is queued or running
// finishes before the process goes, and each base says what it ran.
void DrainAtExit() {
  if (prism::runtime::Scheduler::OnWorkerThread())
    return;  // Would wait on itself.
  Registry& registry = Runtimes();
  std::vector<std::pair<int, prism_runtime*>> adopted;
  {
    std::lock_guard<std::mutex> lock(registry.mu);
    for (auto& [base, one] : registry.adopted)
      adopted.emplace_back(one.number, one.rt);
  }
  std::sort(adopted.begin(), adopted.end());
  for (auto& [number, rt] : adopted) {
    prism_runtime_drain(rt);
    SaySummary(number, rt);
  }
}

// Before the program's first event base: handlers will call libevent from
// worker threads.
void PrepareLibevent() {
  static std::once_flag once;
  std::call_once(once, [] {
    prism::runtime::NoteRegistrationsInterposed();
    if (evthread_use_pthreads() != 0) {
      prism::runtime::Warn(
          "libevent's pthread locking could not be turned on; the runtime "
          "will stay serial");
    }
    pthread_atfork(nullptr, nullptr, SerialAfterFork);
    std::atexit(DrainAtExit);
  });
}

// Puts `base` (just made by the program) under a runtime.
void Adopt(event_base* base) {
  if (base == nullptr) return;
  prism_runtime* rt = prism_runtime_new(base, nullptr);
  Registry& registry = Runtimes();
  int number;
  {
    std::lock_guard<std::mutex> lock(registry.mu);
    number = ++registry.bases_made;
    if (rt != nullptr) {
      registry.adopted[base] = Adopted{number, rt};
    }
  }
  if (rt == nullptr) {
    prism::runtime::Warn(
        absl::StrFormat("event base %d stays plain libevent (serial)", number));
    return;
  }
  prism::runtime::Warn(absl::StrFormat(
      "event base %d runs under the runtime: %s, %d workers", number,
      prism_runtime_mode(rt), prism_runtime_workers(rt)));
}

void Forget(event_base* base) {
  prism_runtime* rt = nullptr;
  int number = 0;
  {
    Registry& registry = Runtimes();
    std::lock_guard<std::mutex> lock(registry.mu);
    auto it = registry.adopted.find(base);
    if (it == registry.adopted.end()) return;
    rt = it->second.rt;
    number = it->second.number;
    registry.adopted.erase(it);
    if (registry.current_base == base) registry.current_base = nullptr;
  }
  prism_runtime_drain(rt);
  SaySummary(number, rt);
  prism_runtime_free(rt);
}

}  // namespace

extern "C" {

// ---- Event bases.

struct event_base* event_base_new(void) {
  if (in_runtime) return LIBEVENT(event_base_new)();
  ScopedInRuntime inside;
  PrepareLibevent();
  event_base* base = LIBEVENT(event_base_new)();
  Adopt(base);
  return base;
}

struct event_base* event_base_new_with_config(const struct event_config* cfg) {
  if (in_runtime) return LIBEVENT(event_base_new_with_config)(cfg);
  ScopedInRuntime inside;
  PrepareLibevent();
  event_base* base = LIBEVENT(event_base_new_with_config)(cfg);
  Adopt(base);
  return base;
}

// libevent 1.x: makes the current base that event_set and event_once use.
struct event_base* event_init(void) {
  if (in_runtime) return LIBEVENT(event_init)();
  ScopedInRuntime inside;
  PrepareLibevent();
  event_base* base = LIBEVENT(event_init)();
  Adopt(base);
  if (base != nullptr) {
    Registry& registry = Runtimes();
    std::lock_guard<std::mutex> lock(registry.mu);
    registry.current_base = base;
  }
  return base;
}

void event_base_free(struct event_base* base) {
  if (in_runtime) return LIBEVENT(event_base_free)(base);
  ScopedInRuntime inside;
  Forget(base);
  LIBEVENT(event_base_free)(base);
}

void event_base_free_nofinalize(struct event_base* base) {
  if (in_runtime) return LIBEVENT(event_base_free_nofinalize)(base);
  ScopedInRuntime inside;
  Forget(base);
  LIBEVENT(event_base_free_nofinalize)(base);
}

// ---- Events, timers, signals.

struct event* event_new(struct event_base* base, evutil_socket_t fd, short what,
                        event_callback_fn cb, void* arg) {
  prism_runtime* rt;
  if (in_runtime || !ProgramCallback(reinterpret_cast<const void*>(cb)) ||
      (rt = prism_runtime_of_base(base)) == nullptr) {
    return LIBEVENT(event_new)(base, fd, what, cb, arg);
  }
  ScopedInRuntime inside;
  return prism_event_new_named(rt, fd, what, cb, arg, nullptr, nullptr);
}

int event_assign(struct event* ev, struct event_base* base, evutil_socket_t fd,
                 short what, event_callback_fn cb, void* arg) {
  prism_runtime* rt;
  if (in_runtime || !ProgramCallback(reinterpret_cast<const void*>(cb)) ||
      (rt = prism_runtime_of_base(base)) == nullptr) {
    return LIBEVENT(event_assign)(ev, base, fd, what, cb, arg);
  }
  ScopedInRuntime inside;
  return prism_event_assign_named(rt, ev, fd, what, cb, arg, nullptr, nullptr);
}

int event_base_once(struct event_base* base, evutil_socket_t fd, short what,
                    event_callback_fn cb, void* arg, const struct timeval* tv) {
  prism_runtime* rt;
  if (in_runtime || !ProgramCallback(reinterpret_cast<const void*>(cb)) ||
      (rt = prism_runtime_of_base(base)) == nullptr) {
    return LIBEVENT(event_base_once)(base, fd, what, cb, arg, tv);
  }
  ScopedInRuntime inside;
  return prism_base_once_named(rt, fd, what, cb, arg, tv, nullptr, nullptr);
}

// libevent 1.x: an event on the current base (event_init's), which
// event_base_set may then move.
void event_set(struct event* ev, evutil_socket_t fd, short what,
               event_callback_fn cb, void* arg) {
  if (in_runtime) return LIBEVENT(event_set)(ev, fd, what, cb, arg);
  ScopedInRuntime inside;
  LIBEVENT(event_set)(ev, fd, what, cb, arg);
  prism_runtime* rt = prism_runtime_of_base(event_get_base(ev));
  if (rt == nullptr || !ProgramCallback(reinterpret_cast<const void*>(cb)))
    return;
  prism_event_assign_named(rt, ev, fd, what, cb, arg, nullptr, nullptr);
}

int event_base_set(struct event_base* base, struct event* ev) {
  if (in_runtime) return LIBEVENT(event_base_set)(base, ev);
  ScopedInRuntime inside;
  event_callback_fn cb = nullptr;
  void* arg = nullptr;
  prism_runtime* from = prism::runtime::EventRuntime(ev, &cb, &arg);
  prism_runtime* to = prism_runtime_of_base(base);
  if (from == to) return LIBEVENT(event_base_set)(base, ev);
  // The event moves between runtimes (or out of one): registered again,
  // with the program's own callback, on the base it moves to.
  if (from == nullptr) {
    cb = event_get_callback(ev);
    arg = event_get_callback_arg(ev);
  }
  const evutil_socket_t fd = event_get_fd(ev);
  const short what = event_get_events(ev);
  if (to == nullptr || !ProgramCallback(reinterpret_cast<const void*>(cb)))
    return LIBEVENT(event_assign)(ev, base, fd, what, cb, arg);
  return prism_event_assign_named(to, ev, fd, what, cb, arg, nullptr, nullptr);
}

// libevent 1.x: event_base_once on the current base (event_init's).
int event_once(evutil_socket_t fd, short what, event_callback_fn cb, void* arg,
               const struct timeval* tv) {
  event_base* current = nullptr;
  {
    Registry& registry = Runtimes();
    std::lock_guard<std::mutex> lock(registry.mu);
    current = registry.current_base;
  }
  if (in_runtime || current == nullptr)
    return LIBEVENT(event_once)(fd, what, cb, arg, tv);
  return event_base_once(current, fd, what, cb, arg, tv);
}

int event_del(struct event* ev) {
  if (in_runtime) return LIBEVENT(event_del)(ev);
  ScopedInRuntime inside;
  return prism_event_del(nullptr, ev);
}

int event_del_block(struct event* ev) {
  if (in_runtime) return LIBEVENT(event_del_block)(ev);
  ScopedInRuntime inside;
  return prism_event_del(nullptr, ev);
}

void event_free(struct event* ev) {
  if (in_runtime) return LIBEVENT(event_free)(ev);
  ScopedInRuntime inside;
  prism_event_free(nullptr, ev);
}

// ---- Bufferevents and listeners.

void bufferevent_setcb(struct bufferevent* bev, bufferevent_data_cb readcb,
                       bufferevent_data_cb writecb,
                       bufferevent_event_cb eventcb, void* arg) {
  prism_runtime* rt;
  if (in_runtime ||
      !(ProgramCallback(reinterpret_cast<const void*>(readcb)) ||
        ProgramCallback(reinterpret_cast<const void*>(writecb)) ||
        ProgramCallback(reinterpret_cast<const void*>(eventcb))) ||
      (rt = prism_runtime_of_base(bufferevent_get_base(bev))) == nullptr) {
    return LIBEVENT(bufferevent_setcb)(bev, readcb, writecb, eventcb, arg);
  }
  ScopedInRuntime inside;
  prism_bufferevent_setcb_named(rt, bev, readcb, writecb, eventcb, arg, nullptr,
                                nullptr, nullptr, nullptr);
}

struct evconnlistener* evconnlistener_new(struct event_base* base,
                                          evconnlistener_cb cb, void* arg,
                                          unsigned flags, int backlog,
                                          evutil_socket_t fd) {
  prism_runtime* rt;
  if (in_runtime || !ProgramCallback(reinterpret_cast<const void*>(cb)) ||
      (rt = prism_runtime_of_base(base)) == nullptr) {
    return LIBEVENT(evconnlistener_new)(base, cb, arg, flags, backlog, fd);
  }
  ScopedInRuntime inside;
  return prism_evconnlistener_new_named(rt, cb, arg, flags, backlog, fd,
                                        nullptr, nullptr);
}

struct evconnlistener* evconnlistener_new_bind(struct event_base* base,
                                               evconnlistener_cb cb, void* arg,
                                               unsigned flags, int backlog,
                                               const struct sockaddr* sa,
                                               int socklen) {
  prism_runtime* rt;
  if (in_runtime || !ProgramCallback(reinterpret_cast<const void*>(cb)) ||
      (rt = prism_runtime_of_base(base)) == nullptr) {
    return LIBEVENT(evconnlistener_new_bind)(base, cb, arg, flags, backlog, sa,
                                             socklen);
  }
  ScopedInRuntime inside;
  return prism_evconnlistener_new_bind_named(rt, cb, arg, flags, backlog, sa,
                                             socklen, nullptr, nullptr);
}

// Accept invocations still queued hand the listener to the program's
// callback: on the loop thread they finish before it is freed (from a
// handler, the program frees it while its own accepts may run, as with
// threads).
void evconnlistener_free(struct evconnlistener* listener) {
  if (!in_runtime && listener != nullptr &&
      !prism::runtime::Scheduler::OnWorkerThread()) {
    ScopedInRuntime inside;
    if (prism_runtime* rt =
            prism_runtime_of_base(evconnlistener_get_base(listener)))
      prism_runtime_drain(rt);
  }
  LIBEVENT(evconnlistener_free)(listener);
}

// A listener's callback changed after it was made: the runtime's listeners
// keep theirs in the runtime's own record, which this would go around.
void evconnlistener_set_cb(struct evconnlistener* listener,
                           evconnlistener_cb cb, void* arg) {
  if (!in_runtime && ProgramCallback(reinterpret_cast<const void*>(cb))) {
    ScopedInRuntime inside;
    prism_runtime* rt =
        prism_runtime_of_base(evconnlistener_get_base(listener));
    if (rt != nullptr && rt->parallel() && rt->FallBackToSerial()) {
      prism::runtime::Warn(
          "evconnlistener_set_cb changes a listener's callback "
          "past the runtime; running serial from now on");
    }
  }
  LIBEVENT(evconnlistener_set_cb)(listener, cb, arg);
}

}  // extern "C"
