// Events (event_new, event_assign, timers, signals) and event_base_once under
// the runtime, and the promise of event_del/event_free.
//
// One invocation of an event at a time: a fire that arrives while the previous
// invocation is queued or running is dropped when it is a level-triggered
// read/write readiness of a persistent event (the fd stays ready, libevent
// reports it again after the handler ran: nothing is lost), and remembered and
// run right after otherwise (timeouts, signals, EV_ET edges, non-persistent
// events re-added by their handler). After such a drop the loop thread waits
// (at most 1 ms) for the next completion instead of spinning on the still-ready
// fd.
//
// event_del/event_free keep libevent's promise that the callback does not run
// afterwards: prism/runtime.h maps them to prism_event_del/prism_event_free,
// which find the event's record through libevent's own callback argument (the
// trampoline's), cancel an invocation that has not begun, and wait for one
// that is running, unless it is the caller itself.
#include <event2/event.h>

#include <thread>

#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/runtime_state.h"

using prism::runtime::Job;

namespace prism {
namespace runtime {

struct EventRecord {
  Job job;  // First member: Job* and EventRecord* convert.
  // nullptr once the runtime was freed before the event (DetachRecord).
  prism_runtime* rt = nullptr;
  event_callback_fn cb = nullptr;
  void* arg = nullptr;
  bool drop_refires = false;
  std::atomic<int> refs{1};

  std::mutex mu;
  std::condition_variable ended;  // An invocation that had begun ended.
  bool in_flight = false;
  bool started = false;    // The queued invocation has begun to run...
  std::thread::id runner;  // ... on this thread.
  uint64_t runs_ended = 0;
  bool cancelled = false;  // event_del came before it began: skip it.
  short refire = 0;
  evutil_socket_t fd = -1;
  short what = 0;
};

void ReleaseRecord(EventRecord* t) {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete t;
}

void DetachRecord(EventRecord* t) {
  std::lock_guard<std::mutex> lock(t->mu);
  t->rt = nullptr;
}

}  // namespace runtime
}  // namespace prism

using prism::runtime::EventRecord;
using prism::runtime::ReleaseRecord;

namespace {

void EventRun(Job* job) {
  EventRecord* t = reinterpret_cast<EventRecord*>(job);
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->cancelled) {
      t->cancelled = false;
      return;
    }
    t->started = true;
    t->runner = std::this_thread::get_id();
  }
  t->cb(t->fd, t->what, t->arg);
}

void EventFinish(Job* job) {
  EventRecord* t = reinterpret_cast<EventRecord*>(job);
  t->rt->NoteCompletion();
  // Read before in_flight is released: the next invocation reuses the job.
  const bool counted = !job->ran_inline;  // Inline runs are not counted.
  bool again = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->started) {
      t->started = false;
      t->runner = std::thread::id();
      ++t->runs_ended;
      t->ended.notify_all();
    }
    if (t->refire != 0) {
      t->what = t->refire;
      t->refire = 0;
      again = true;
    } else {
      t->in_flight = false;
    }
  }
  prism_runtime* rt = t->rt;
  if (again) {
    rt->Resubmit(job, counted);
    return;
  }
  if (counted) rt->InflightDec();
  ReleaseRecord(t);
}

void EventTrampoline(evutil_socket_t fd, short what, void* arg) {
  EventRecord* t = static_cast<EventRecord*>(arg);
  bool queue = false, level_ready = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (!t->in_flight) {
      t->in_flight = true;
      t->fd = fd;
      t->what = what;
      queue = true;
    } else if (t->drop_refires && (what & (EV_TIMEOUT | EV_SIGNAL)) == 0) {
      // Still ready after the invocation: libevent reports it again.
      level_ready = true;
    } else {
      t->refire |= what;  // Run once more right after the current invocation.
    }
  }
  if (level_ready) t->rt->ThrottleAfterDrop();
  if (!queue) return;
  t->refs.fetch_add(1, std::memory_order_relaxed);
  t->rt->Dispatch(&t->job, prism_runtime::Pace::kNow);
}

EventRecord* NewEventRecord(prism_runtime* rt, short what, event_callback_fn cb,
                            void* arg, const char* name, const char* file) {
  EventRecord* t = new EventRecord;
  t->rt = rt;
  t->cb = cb;
  t->arg = arg;
  t->drop_refires = (what & EV_PERSIST) != 0 && (what & EV_ET) == 0 &&
                    (what & (EV_READ | EV_WRITE)) != 0;
  t->job.run = EventRun;
  t->job.finish = EventFinish;
  t->job.handler = rt->Row(reinterpret_cast<const void*>(cb), name, file);
  t->job.ctx = arg;
  t->job.name = name;
  return t;
}

void Remember(prism_runtime* rt, event* ev, EventRecord* t) {
  EventRecord* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(rt->registry_mu);
    EventRecord*& slot = rt->events[ev];
    old = slot;
    slot = t;
  }
  if (old != nullptr) ReleaseRecord(old);
}

// The runtime's record of `ev`, or nullptr when libevent calls something else
// for it (serial mode, an event the runtime did not create).
EventRecord* RecordOf(event* ev) {
  if (event_get_callback(ev) != EventTrampoline) return nullptr;
  return static_cast<EventRecord*>(event_get_callback_arg(ev));
}

bool Detached(EventRecord* t) {
  std::lock_guard<std::mutex> lock(t->mu);
  return t->rt == nullptr;
}

// After libevent's event_del(ev): its trampoline neither runs nor will run,
// so only the runtime's own invocation is left. Cancels it when it has not
// begun; waits for it when it runs on another thread (on this one, the caller
// is that invocation: libevent's event_del does not wait then either).
void CancelOrAwait(EventRecord* t) {
  std::unique_lock<std::mutex> lock(t->mu);
  t->refire = 0;
  if (!t->in_flight) return;
  if (!t->started) {
    t->cancelled = true;
    return;
  }
  if (t->runner == std::this_thread::get_id()) return;
  const uint64_t running = t->runs_ended;
  t->ended.wait(lock, [&] { return t->runs_ended != running; });
}

}  // namespace

namespace prism {
namespace runtime {

// event_base_once: one invocation. The runtime creates the event itself (not
// through event_base_once, whose event libevent's own callback would run, so
// that every event on the base calls a callback the runtime knows) and frees
// it when it fired, or in prism_runtime_free.
struct OnceRecord {
  Job job;  // First member.
  prism_runtime* rt;
  event* ev = nullptr;
  event_callback_fn cb;
  void* arg;
  evutil_socket_t fd;
  short what;
};

void DeleteRecord(OnceRecord* o) {
  event_free(o->ev);
  delete o;
}

}  // namespace runtime
}  // namespace prism

using prism::runtime::OnceRecord;

namespace {

void OnceRun(Job* job) {
  OnceRecord* o = reinterpret_cast<OnceRecord*>(job);
  o->cb(o->fd, o->what, o->arg);
}

void OnceFinish(Job* job) {
  OnceRecord* o = reinterpret_cast<OnceRecord*>(job);
  prism_runtime* rt = o->rt;
  rt->NoteCompletion();
  const bool counted = !job->ran_inline;
  delete o;
  if (counted) rt->InflightDec();
}

void OnceTrampoline(evutil_socket_t fd, short what, void* arg) {
  OnceRecord* o = static_cast<OnceRecord*>(arg);
  o->fd = fd;
  o->what = what;
  {
    std::lock_guard<std::mutex> lock(o->rt->registry_mu);
    o->rt->once_pending.erase(o);
  }
  // A non-persistent event may be freed in its own callback.
  event_free(o->ev);
  o->ev = nullptr;
  o->rt->Dispatch(&o->job, prism_runtime::Pace::kNever);
}

}  // namespace

namespace prism {
namespace runtime {

bool IsEventBridgeCallback(event_callback_fn cb) {
  return cb == EventTrampoline || cb == OnceTrampoline;
}

prism_runtime* EventRuntime(event* ev, event_callback_fn* cb, void** arg) {
  EventRecord* t = RecordOf(ev);
  if (t == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(t->mu);
  *cb = t->cb;
  *arg = t->arg;
  return t->rt;
}

int RuntimeEventRow(const prism_runtime* rt, event* ev) {
  EventRecord* t = RecordOf(ev);
  return t != nullptr ? t->job.handler : rt->handlers.unknown();
}

}  // namespace runtime
}  // namespace prism

extern "C" {

struct event* prism_event_new_named(prism_runtime* rt, evutil_socket_t fd,
                                    short what, event_callback_fn cb, void* arg,
                                    const char* cb_name, const char* cb_file) {
  if (rt == nullptr) return nullptr;
  if (!rt->parallel() || cb == nullptr)
    return event_new(rt->base, fd, what, cb, arg);
  EventRecord* t = NewEventRecord(rt, what, cb, arg, cb_name, cb_file);
  event* ev = event_new(rt->base, fd, what, EventTrampoline, t);
  if (ev == nullptr) {
    delete t;
    return nullptr;
  }
  if (arg == event_self_cbarg()) t->arg = ev;
  t->job.ctx = t->arg;
  Remember(rt, ev, t);
  return ev;
}

int prism_event_assign_named(prism_runtime* rt, struct event* ev,
                             evutil_socket_t fd, short what,
                             event_callback_fn cb, void* arg,
                             const char* cb_name, const char* cb_file) {
  if (rt == nullptr || ev == nullptr) return -1;
  if (!rt->parallel() || cb == nullptr)
    return event_assign(ev, rt->base, fd, what, cb, arg);
  EventRecord* t = NewEventRecord(rt, what, cb, arg, cb_name, cb_file);
  if (arg == event_self_cbarg()) t->arg = ev;
  t->job.ctx = t->arg;
  if (event_assign(ev, rt->base, fd, what, EventTrampoline, t) != 0) {
    delete t;
    return -1;
  }
  Remember(rt, ev, t);
  return 0;
}

int prism_event_del(prism_runtime*, struct event* ev) {
  if (ev == nullptr) return -1;
  EventRecord* t = RecordOf(ev);
  int r = event_del(ev);
  if (t != nullptr && !Detached(t)) CancelOrAwait(t);
  return r;
}

void prism_event_free(prism_runtime*, struct event* ev) {
  if (ev == nullptr) return;
  EventRecord* t = RecordOf(ev);
  if (t != nullptr && Detached(t)) {
    // The runtime was freed first (and drained): only the record is left.
    event_free(ev);
    ReleaseRecord(t);
    return;
  }
  if (t != nullptr) {
    event_del(ev);
    CancelOrAwait(t);
    prism_runtime* rt = t->rt;
    bool forget = false;
    {
      std::lock_guard<std::mutex> lock(rt->registry_mu);
      auto it = rt->events.find(ev);
      if (it != rt->events.end() && it->second == t) {
        rt->events.erase(it);
        forget = true;
      }
    }
    if (forget) ReleaseRecord(t);
  }
  event_free(ev);
}

int prism_base_once_named(prism_runtime* rt, evutil_socket_t fd, short what,
                          event_callback_fn cb, void* arg,
                          const struct timeval* tv, const char* cb_name,
                          const char* cb_file) {
  if (rt == nullptr) return -1;
  if (!rt->parallel() || cb == nullptr)
    return event_base_once(rt->base, fd, what, cb, arg, tv);
  if ((what & (EV_SIGNAL | EV_PERSIST)) != 0) return -1;  // As libevent.
  OnceRecord* o = new OnceRecord;
  o->job.run = OnceRun;
  o->job.finish = OnceFinish;
  o->job.handler = rt->Row(reinterpret_cast<const void*>(cb), cb_name, cb_file);
  o->job.ctx = arg;
  o->job.name = cb_name;
  o->rt = rt;
  o->cb = cb;
  o->arg = arg;
  o->ev = event_new(rt->base, fd, what, OnceTrampoline, o);
  if (o->ev == nullptr) {
    delete o;
    return -1;
  }
  {
    std::lock_guard<std::mutex> lock(rt->registry_mu);
    rt->once_pending.insert(o);
  }
  if (event_add(o->ev, tv) != 0) {
    {
      std::lock_guard<std::mutex> lock(rt->registry_mu);
      rt->once_pending.erase(o);
    }
    prism::runtime::DeleteRecord(o);
    return -1;
  }
  return 0;
}

}  // extern "C"
