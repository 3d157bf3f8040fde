// The C API: libevent integration of the scheduling core (scheduler.h).
//
// In a parallel mode every registration installs a trampoline: libevent calls
// it on the loop thread, it queues the invocation (a Job embedded in the
// trampoline's own record, never in the libevent object) and returns; a worker
// runs the handler when the matrix allows. Records are reference-counted apart
// from libevent's objects, so a handler may event_free() an event or
// bufferevent_free() a bufferevent whose invocation is still queued.
//
// One invocation of an event at a time: a fire that arrives while the previous
// invocation is queued or running is dropped when it is a level-triggered
// read/write readiness of a persistent event (the fd stays ready, libevent
// reports it again after the handler ran: nothing is lost), and remembered and
// run right after otherwise (timeouts, signals, EV_ET edges, non-persistent
// events re-added by their handler). A bufferevent's callbacks run one at a
// time, in order. After such a drop the loop thread waits (at most 1 ms) for
// the next completion instead of spinning on the still-ready fd.
//
// When a hand-off cannot pay (the invocation is admissible now and its handler
// is short on average, conflicts with every handler, or conflicts with itself
// while nothing else is in flight), the trampoline runs it inline on the loop
// thread, as plain libevent would (Scheduler::RunInline).
//
// In serial mode nothing of this exists: registrations go straight to libevent.
#include "prism/runtime.h"

#include <errno.h>
#include <event2/thread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "lib/elf/build_id.h"
#include "lib/runtime/constraints.h"
#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/scheduler.h"

// Exported by libevent 2.1 but declared only in its private headers: the lock
// callbacks in force (lock == NULL when evthread_use_pthreads() was never
// called), and turning on locking for a bufferevent created without
// BEV_OPT_THREADSAFE.
extern "C" struct evthread_lock_callbacks* evthread_get_lock_callbacks(void);
extern "C" int bufferevent_enable_locking_(struct bufferevent* bufev,
                                           void* lock);

using prism::runtime::Checker;
using prism::runtime::ConflictMatrix;
using prism::runtime::HandlerTable;
using prism::runtime::Job;
using prism::runtime::Policy;
using prism::runtime::Scheduler;

namespace {

struct EventTramp;
struct BevTramp;
struct ListenerTramp;

}  // namespace

struct prism_runtime {
  event_base* base = nullptr;
  const char* mode = "serial";
  std::string build_id;
  std::unique_ptr<ConflictMatrix> matrix;
  HandlerTable handlers;
  std::unique_ptr<Checker> checker;
  std::unique_ptr<Scheduler> scheduler;
  bool parallel() const { return scheduler != nullptr; }

  // While invocations are in flight the loop must not return for lack of events
  // (plain libevent runs the handler inside the loop, where it may add the next
  // event): a persistent timer far in the future stays added exactly while
  // something is queued or running.
  event* keepalive = nullptr;
  event* wakeup = nullptr;
  std::atomic<int64_t> inflight{0};
  std::mutex keepalive_mu;
  bool keepalive_added = false;
  void InflightInc();
  void InflightDec();

  // Pacing of the loop thread, each wait at most 1 ms.
  //  - A level-triggered fd whose invocation is still queued or running stays
  //    ready, so the loop would spin re-reporting it. After such a dropped
  //    re-fire the loop waits for the next completion: the only thing that can
  //    make progress anyway.
  //  - While more invocations are queued than four times the workers, the loop
  //  waits
  //    until the backlog is down to one per worker: the workers have work, and
  //    one later loop iteration dispatches everything that became ready
  //    meanwhile, instead of one wake-up of the loop thread per event.
  enum { kNotWaiting = 0, kWaitingForCompletion = 1, kWaitingForBacklog = 2 };
  std::atomic<uint64_t> completions{0};
  std::atomic<int> loop_waiting{kNotWaiting};
  std::mutex throttle_mu;
  std::condition_variable throttle_cv;
  uint64_t drop_mark = 0;  // Loop thread only.
  // After a wait that timed out (invocations blocked behind a long one), the
  // loop does not wait again for 1 ms: waits never stall it more than half the
  // time. Loop thread only.
  std::chrono::steady_clock::time_point no_wait_until;
  bool MayWait() const {
    return std::chrono::steady_clock::now() >= no_wait_until;
  }
  void TimedOut() {
    no_wait_until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  }
  bool BacklogIsLow() const {
    return scheduler->Backlog() <= scheduler->workers();
  }
  void NoteCompletion() {
    completions.fetch_add(1, std::memory_order_seq_cst);
    int waiting = loop_waiting.load(std::memory_order_seq_cst);
    if (waiting == kWaitingForCompletion ||
        (waiting == kWaitingForBacklog && BacklogIsLow())) {
      // Taking the lock orders this completion after the waiter's check of
      // its predicate (it is either before that check or already waiting).
      // Notify after releasing it: a waiter woken while the lock is still
      // held would at once block on it again (two more context switches).
      { std::lock_guard<std::mutex> lock(throttle_mu); }
      throttle_cv.notify_all();
    }
  }
  void ThrottleAfterDrop() {
    uint64_t c = completions.load(std::memory_order_seq_cst);
    if (c == drop_mark && MayWait()) {
      std::unique_lock<std::mutex> lock(throttle_mu);
      loop_waiting.store(kWaitingForCompletion, std::memory_order_seq_cst);
      bool done = throttle_cv.wait_for(lock, std::chrono::milliseconds(1), [&] {
        return completions.load(std::memory_order_seq_cst) != c;
      });
      loop_waiting.store(kNotWaiting, std::memory_order_relaxed);
      if (!done) TimedOut();
    }
    drop_mark = completions.load(std::memory_order_seq_cst);
  }
  void PaceBacklog() {
    if (prism::runtime::Scheduler::OnWorkerThread()) return;
    if (scheduler->Backlog() <= 4 * scheduler->workers() || !MayWait()) return;
    std::unique_lock<std::mutex> lock(throttle_mu);
    loop_waiting.store(kWaitingForBacklog, std::memory_order_seq_cst);
    bool done = throttle_cv.wait_for(lock, std::chrono::milliseconds(1),
                                     [&] { return BacklogIsLow(); });
    loop_waiting.store(kNotWaiting, std::memory_order_relaxed);
    if (!done) TimedOut();
  }

  // Trampoline records by libevent object address. A record is replaced when
  // its address is registered again (libevent reused freed memory), which
  // bounds what freed objects leave behind.
  // The matrix row of a registration; says once per handler when it is not in
  // the constraints (it then runs alone): usually a name the analyzer spelled
  // differently, or a handler in code it did not see.
  int Row(const char* name, const char* file);
  absl::flat_hash_set<std::string> reported_unknown;  // Under registry_mu.

  std::mutex registry_mu;
  absl::flat_hash_map<event*, EventTramp*> events;
  absl::flat_hash_map<bufferevent*, BevTramp*> bevs;
  std::vector<ListenerTramp*> listeners;
};

namespace {

void Warn(const std::string& message) {
  std::fprintf(stderr, "prism: %s\n", message.c_str());
  std::fflush(stderr);
}

void KeepaliveCb(evutil_socket_t, short, void*) {}

// ---- Events

struct EventTramp {
  Job job;  // First member: Job* and EventTramp* convert.
  prism_runtime* rt = nullptr;
  event_callback_fn cb = nullptr;
  void* arg = nullptr;
  bool drop_refires = false;
  std::atomic<int> refs{1};

  std::mutex mu;
  bool in_flight = false;
  bool started = false;  // The queued invocation has begun to run.
  bool cancelled =
      false;  // prism_event_del/free came before it began: skip it.
  short refire = 0;
  evutil_socket_t fd = -1;
  short what = 0;
};

void Release(EventTramp* t) {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete t;
}

void EventRun(Job* job) {
  EventTramp* t = reinterpret_cast<EventTramp*>(job);
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->cancelled) {
      t->cancelled = false;
      return;
    }
    t->started = true;
  }
  t->cb(t->fd, t->what, t->arg);
}

void EventFinish(Job* job) {
  EventTramp* t = reinterpret_cast<EventTramp*>(job);
  t->rt->NoteCompletion();
  // Read before in_flight is released: the next invocation reuses the job.
  const bool counted = !job->ran_inline;  // Inline runs are not counted.
  bool again = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    t->started = false;
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
    if (!counted) rt->InflightInc();
    rt->scheduler->Submit(job);
    return;
  }
  if (counted) rt->InflightDec();
  Release(t);
}

void EventTrampoline(evutil_socket_t fd, short what, void* arg) {
  EventTramp* t = static_cast<EventTramp*>(arg);
  bool queue = false, level_ready = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (!t->in_flight) {
      t->in_flight = true;
      t->fd = fd;
      t->what = what;
      queue = true;
    } else if (t->drop_refires && (what & (EV_TIMEOUT | EV_SIGNAL)) == 0) {
      level_ready =
          true;  // Still ready after the invocation: libevent reports it again.
    } else {
      t->refire |= what;  // Run once more right after the current invocation.
    }
  }
  if (level_ready) t->rt->ThrottleAfterDrop();
  if (!queue) return;
  t->refs.fetch_add(1, std::memory_order_relaxed);
  if (t->rt->scheduler->RunInline(&t->job)) return;
  t->rt->InflightInc();
  t->rt->scheduler->Submit(&t->job);
  t->rt->PaceBacklog();
}

EventTramp* NewEventTramp(prism_runtime* rt, short what, event_callback_fn cb,
                          void* arg, const char* name, const char* file) {
  EventTramp* t = new EventTramp;
  t->rt = rt;
  t->cb = cb;
  t->arg = arg;
  t->drop_refires = (what & EV_PERSIST) != 0 && (what & EV_ET) == 0 &&
                    (what & (EV_READ | EV_WRITE)) != 0;
  t->job.run = EventRun;
  t->job.finish = EventFinish;
  t->job.handler = rt->Row(name, file);
  t->job.ctx = arg;
  t->job.name = name;
  return t;
}

template <typename Key, typename Tramp>
void Remember(prism_runtime* rt, absl::flat_hash_map<Key*, Tramp*>& map,
              Key* key, Tramp* t) {
  Tramp* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(rt->registry_mu);
    Tramp*& slot = map[key];
    old = slot;
    slot = t;
  }
  if (old != nullptr) Release(old);
}

// ---- Bufferevents

enum BevKind { kRead = 0, kWrite = 1, kEvent = 2 };

struct BevTramp {
  Job job;  // First member.
  prism_runtime* rt = nullptr;
  bufferevent* bev = nullptr;
  std::atomic<int> refs{1};

  std::mutex mu;
  bufferevent_data_cb readcb = nullptr, writecb = nullptr;
  bufferevent_event_cb eventcb = nullptr;
  void* arg = nullptr;
  int rows[3] = {0, 0, 0};
  const char* names[3] = {"", "", ""};
  bool in_flight = false;
  struct Pending {
    int kind;
    short what;
  };
  static constexpr int kRing = 8;
  Pending ring[kRing];
  int head = 0, count = 0;
  // The invocation being run.
  int kind = 0;
  short what = 0;
  bufferevent_data_cb run_data = nullptr;
  bufferevent_event_cb run_event = nullptr;
  void* run_arg = nullptr;
};

void Release(BevTramp* t) {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete t;
}

void BevStartLocked(BevTramp* t, int kind, short what) {
  t->kind = kind;
  t->what = what;
  t->run_data = kind == kRead    ? t->readcb
                : kind == kWrite ? t->writecb
                                 : nullptr;
  t->run_event = kind == kEvent ? t->eventcb : nullptr;
  t->run_arg = t->arg;
  t->job.handler = t->rows[kind];
  t->job.name = t->names[kind];
  t->job.ctx = t->arg;
}

void BevRun(Job* job) {
  BevTramp* t = reinterpret_cast<BevTramp*>(job);
  // Freed (or given other callbacks) by a handler while this invocation was
  // queued: libevent would not call it any more, so neither do we.
  void* cbarg = nullptr;
  bufferevent_getcb(t->bev, nullptr, nullptr, nullptr, &cbarg);
  if (cbarg != t) return;
  if (t->kind == kEvent) {
    if (t->run_event != nullptr) t->run_event(t->bev, t->what, t->run_arg);
  } else if (t->run_data != nullptr) {
    t->run_data(t->bev, t->run_arg);
  }
}

void BevFinish(Job* job) {
  BevTramp* t = reinterpret_cast<BevTramp*>(job);
  t->rt->NoteCompletion();
  // We hold a reference on the bufferevent, so it is still there. When the
  // handler freed it (or replaced our callbacks) libevent would call nothing
  // more: neither do we.
  void* cbarg = nullptr;
  bufferevent_getcb(t->bev, nullptr, nullptr, nullptr, &cbarg);
  // Read before in_flight is released: the next invocation reuses the job.
  const bool counted = !job->ran_inline;
  bool again = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (cbarg != t) t->count = 0;
    if (t->count > 0) {
      BevTramp::Pending next = t->ring[t->head];
      t->head = (t->head + 1) % BevTramp::kRing;
      --t->count;
      BevStartLocked(t, next.kind, next.what);
      again = true;
    } else {
      t->in_flight = false;
    }
  }
  prism_runtime* rt = t->rt;
  if (again) {
    if (!counted) rt->InflightInc();
    rt->scheduler->Submit(job);
    return;
  }
  bufferevent* bev = t->bev;
  if (counted) rt->InflightDec();
  Release(t);
  bufferevent_decref(bev);
}

void BevFire(BevTramp* t, int kind, short what) {
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->in_flight) {
      // Read and write callbacks read the buffers' state when they run: one
      // pending of each kind is enough. Event callbacks keep their flags,
      // merged only if the ring is full.
      for (int i = 0; i < t->count; ++i) {
        BevTramp::Pending& p = t->ring[(t->head + i) % BevTramp::kRing];
        if (p.kind == kind && kind != kEvent) return;
      }
      if (t->count == BevTramp::kRing) {
        t->ring[(t->head + t->count - 1) % BevTramp::kRing].what |= what;
        return;
      }
      t->ring[(t->head + t->count) % BevTramp::kRing] = {kind, what};
      ++t->count;
      return;
    }
    t->in_flight = true;
    BevStartLocked(t, kind, what);
  }
  bufferevent_incref(t->bev);
  t->refs.fetch_add(1, std::memory_order_relaxed);
  if (t->rt->scheduler->RunInline(&t->job)) return;
  t->rt->InflightInc();
  t->rt->scheduler->Submit(&t->job);
  t->rt->PaceBacklog();
}

void BevReadTrampoline(bufferevent*, void* arg) {
  BevFire(static_cast<BevTramp*>(arg), kRead, 0);
}
void BevWriteTrampoline(bufferevent*, void* arg) {
  BevFire(static_cast<BevTramp*>(arg), kWrite, 0);
}
void BevEventTrampoline(bufferevent*, short what, void* arg) {
  BevFire(static_cast<BevTramp*>(arg), kEvent, what);
}

// ---- Listeners and one-shot events: a record per invocation (each accept is
// its own fd).

struct ListenerTramp {
  prism_runtime* rt;
  evconnlistener_cb cb;
  void* arg;
  int row;
  const char* name;
};

struct AcceptJob {
  Job job;  // First member.
  ListenerTramp* l;
  evconnlistener* listener;
  evutil_socket_t fd;
  sockaddr_storage addr;
  int socklen;
};

void AcceptRun(Job* job) {
  AcceptJob* a = reinterpret_cast<AcceptJob*>(job);
  a->l->cb(a->listener, a->fd, reinterpret_cast<sockaddr*>(&a->addr),
           a->socklen, a->l->arg);
}

void AcceptFinish(Job* job) {
  AcceptJob* a = reinterpret_cast<AcceptJob*>(job);
  prism_runtime* rt = a->l->rt;
  rt->NoteCompletion();
  const bool counted = !job->ran_inline;
  delete a;
  if (counted) rt->InflightDec();
}

void AcceptTrampoline(evconnlistener* listener, evutil_socket_t fd,
                      sockaddr* addr, int socklen, void* arg) {
  ListenerTramp* l = static_cast<ListenerTramp*>(arg);
  AcceptJob* a = new AcceptJob;
  a->job.run = AcceptRun;
  a->job.finish = AcceptFinish;
  a->job.handler = l->row;
  a->job.ctx = l->arg;
  a->job.name = l->name;
  a->l = l;
  a->listener = listener;
  a->fd = fd;
  std::memset(&a->addr, 0, sizeof(a->addr));
  a->socklen = socklen;
  if (addr != nullptr && socklen > 0 &&
      static_cast<size_t>(socklen) <= sizeof(a->addr)) {
    std::memcpy(&a->addr, addr, socklen);
  }
  if (l->rt->scheduler->RunInline(&a->job)) return;
  l->rt->InflightInc();
  l->rt->scheduler->Submit(&a->job);
}

struct OnceJob {
  Job job;  // First member.
  prism_runtime* rt;
  event_callback_fn cb;
  void* arg;
  evutil_socket_t fd;
  short what;
};

void OnceRun(Job* job) {
  OnceJob* o = reinterpret_cast<OnceJob*>(job);
  o->cb(o->fd, o->what, o->arg);
}

void OnceFinish(Job* job) {
  OnceJob* o = reinterpret_cast<OnceJob*>(job);
  prism_runtime* rt = o->rt;
  rt->NoteCompletion();
  const bool counted = !job->ran_inline;
  delete o;
  if (counted) rt->InflightDec();
}

void OnceTrampoline(evutil_socket_t fd, short what, void* arg) {
  OnceJob* o = static_cast<OnceJob*>(arg);
  o->fd = fd;
  o->what = what;
  if (o->rt->scheduler->RunInline(&o->job)) return;
  o->rt->InflightInc();
  o->rt->scheduler->Submit(&o->job);
}

// ---- Options

// Whether `base` itself was created with locking (after
// evthread_use_pthreads(), without EVENT_BASE_FLAG_NOLOCK). libevent has no
// query for it, but such a base is made notifiable at creation: it holds an
// internal persistent read event (its notification fd) before anyone else could
// add one. Call before evthread_make_base_notifiable. (An internal signal event
// added earlier looks the same; the global lock check still applies then.)
bool BaseCreatedWithLocking(event_base* base) {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  if (out == nullptr) return true;  // Cannot tell: rely on the global check.
  event_base_dump_events(base, out);
  std::fclose(out);
  bool found = false;
  for (const char* line = text; line != nullptr && *line != '\0';) {
    const char* end = std::strchr(line, '\n');
    std::string l(line, end != nullptr ? end - line : std::strlen(line));
    if (l.find("Internal") != std::string::npos &&
        l.find("Read") != std::string::npos) {
      found = true;
    }
    line = end != nullptr ? end + 1 : nullptr;
  }
  std::free(text);
  return found;
}

bool EnvFlag(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::strcmp(value, "1") == 0;
}

const char* EnvOr(const char* value, const char* env) {
  if (value != nullptr && value[0] != '\0') return value;
  const char* e = std::getenv(env);
  return (e != nullptr && e[0] != '\0') ? e : nullptr;
}

}  // namespace

int prism_runtime::Row(const char* name, const char* file) {
  int row = handlers.Resolve(name, file);
  if (row != handlers.unknown() || name == nullptr) return row;
  std::string key = std::string(name) + "@" + (file != nullptr ? file : "");
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    if (!reported_unknown.insert(key).second) return row;
  }
  Warn(absl::StrFormat(
      "handler '%s' (%s) is not in the constraints: it runs alone, as if it "
      "conflicted with every handler",
      name, file != nullptr ? file : "?"));
  return row;
}

void prism_runtime::InflightInc() {
  if (inflight.fetch_add(1, std::memory_order_acq_rel) != 0) return;
  std::lock_guard<std::mutex> lock(keepalive_mu);
  if (inflight.load(std::memory_order_acquire) > 0 && !keepalive_added) {
    static const timeval kHour = {3600, 0};
    event_add(keepalive, &kHour);
    keepalive_added = true;
  }
}

void prism_runtime::InflightDec() {
  if (inflight.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::lock_guard<std::mutex> lock(keepalive_mu);
  if (inflight.load(std::memory_order_acquire) == 0 && keepalive_added) {
    event_del(keepalive);
    keepalive_added = false;
    // libevent does not wake a loop for a deleted timer. When nothing else
    // keeps the loop running it must wake up now and return, as it would have
    // after the handler in plain libevent.
    if (event_base_get_num_events(
            base, EVENT_BASE_COUNT_ADDED | EVENT_BASE_COUNT_ACTIVE) == 0) {
      event_active(wakeup, EV_TIMEOUT, 1);
    }
  }
}

extern "C" {

void prism_options_init(struct prism_options* opts) {
  if (opts != nullptr) std::memset(opts, 0, sizeof(*opts));
}

prism_runtime* prism_runtime_new(struct event_base* base,
                                 const struct prism_options* opts) {
  if (base == nullptr) {
    Warn("prism_runtime_new: event base is NULL");
    return nullptr;
  }
  prism_options o;
  prism_options_init(&o);
  if (opts != nullptr) o = *opts;

  // Which scheduler was asked for.
  enum prism_scheduler wanted = o.scheduler;
  std::string serial_reason;
  if (wanted == PRISM_SCHEDULER_DEFAULT) {
    const char* env = std::getenv("PRISM_SCHEDULER");
    if (env == nullptr || env[0] == '\0' || std::strcmp(env, "exact") == 0) {
      wanted = PRISM_SCHEDULER_EXACT;
    } else if (std::strcmp(env, "huecolor") == 0) {
      wanted = PRISM_SCHEDULER_HUECOLOR;
    } else if (std::strcmp(env, "serial") == 0) {
      wanted = PRISM_SCHEDULER_SERIAL;
    } else {
      wanted = PRISM_SCHEDULER_SERIAL;
      serial_reason = absl::StrFormat(
          "PRISM_SCHEDULER='%s' is not serial, huecolor or exact; running "
          "serial",
          env);
    }
  } else if (wanted != PRISM_SCHEDULER_SERIAL &&
             wanted != PRISM_SCHEDULER_HUECOLOR &&
             wanted != PRISM_SCHEDULER_EXACT) {
    serial_reason =
        absl::StrFormat("unknown scheduler option %d; running serial", wanted);
    wanted = PRISM_SCHEDULER_SERIAL;
  }

  int workers = o.workers;
  if (workers <= 0) {
    const char* env = std::getenv("PRISM_WORKERS");
    int n = 0;
    if (env != nullptr && env[0] != '\0') {
      if (absl::SimpleAtoi(env, &n) && n > 0 && n <= 1024) {
        workers = n;
      } else {
        Warn(absl::StrFormat(
            "PRISM_WORKERS='%s' is not a number of workers in 1..1024; using "
            "the number of cores",
            env));
      }
    }
    if (workers <= 0)
      workers = static_cast<int>(std::thread::hardware_concurrency());
    if (workers <= 0) workers = 1;
  }
  bool check = o.check > 0 || (o.check == 0 && EnvFlag("PRISM_CHECK"));

  auto rt = std::make_unique<prism_runtime>();
  rt->base = base;

  // Constraints: explicit file, then the agent, then none (DESIGN.md invariants
  // 1 and 2).
  prism::v1::ConstraintSet set;
  bool have_constraints = false;
  if (wanted != PRISM_SCHEDULER_SERIAL) {
    absl::StatusOr<std::string> build_id =
        prism::ReadGnuBuildId("/proc/self/exe");
    if (build_id.ok()) rt->build_id = *build_id;
    const char* path = EnvOr(o.constraints_path, "PRISM_CONSTRAINTS");
    if (!build_id.ok()) {
      serial_reason = absl::StrFormat(
          "cannot read this program's build-id (%s); running serial",
          build_id.status().message());
    } else if (path != nullptr) {
      absl::StatusOr<prism::v1::ConstraintSet> loaded =
          prism::runtime::ReadConstraintFile(path);
      absl::Status valid =
          loaded.ok() ? prism::runtime::ValidateConstraints(*loaded, *build_id)
                      : loaded.status();
      if (valid.ok()) {
        set = *std::move(loaded);
        have_constraints = true;
      } else {
        serial_reason =
            absl::StrFormat("constraints %s rejected: %s; running serial", path,
                            valid.message());
      }
    } else {
      const char* socket = EnvOr(o.agent_socket, "PRISM_AGENT_SOCKET");
      auto agent =
          prism::runtime::NewAgentSource(socket != nullptr ? socket : "");
      absl::StatusOr<prism::v1::ConstraintSet> fetched = agent->GetConstraints(
          program_invocation_short_name, *build_id, getpid());
      absl::Status valid = fetched.ok() ? prism::runtime::ValidateConstraints(
                                              *fetched, *build_id)
                                        : fetched.status();
      if (valid.ok()) {
        set = *std::move(fetched);
        have_constraints = true;
      } else if (fetched.ok()) {
        serial_reason = absl::StrFormat(
            "agent constraints rejected: %s; running serial", valid.message());
      } else {
        serial_reason = absl::StrFormat(
            "no constraints for build-id %s (set PRISM_CONSTRAINTS to a file "
            "written by `prism "
            "analyze --emit-constraints`; agent: %s); running serial",
            *build_id, fetched.status().message());
      }
    }
  }

  if (have_constraints && set.serial_reasons_size() > 0) {
    // The analysis found what worker threads would change whatever the
    // matrix (a handler using thread-local storage).
    serial_reason = absl::StrFormat(
        "the constraints require serial execution (%s); running serial",
        absl::StrJoin(set.serial_reasons(), "; "));
    have_constraints = false;
  }
  if (!have_constraints) {
    if (!serial_reason.empty()) Warn(serial_reason);
    rt->mode = "serial";
    return rt.release();
  }

  // Parallel: handlers will call libevent from worker threads.
  const evthread_lock_callbacks* locks = evthread_get_lock_callbacks();
  if (locks == nullptr || locks->lock == nullptr) {
    Warn(
        "prism_runtime_new: a parallel scheduler needs libevent's thread "
        "support: call "
        "evthread_use_pthreads() before event_base_new() (or set "
        "PRISM_SCHEDULER=serial)");
    return nullptr;
  }
  if (!BaseCreatedWithLocking(base)) {
    Warn(
        "prism_runtime_new: a parallel scheduler needs an event base with "
        "locking, and this "
        "one has none: create it after evthread_use_pthreads() and without "
        "EVENT_BASE_FLAG_NOLOCK (or set PRISM_SCHEDULER=serial)");
    return nullptr;
  }
  if (evthread_make_base_notifiable(base) != 0) {
    Warn(
        "prism_runtime_new: cannot make the event base notifiable from worker "
        "threads");
    return nullptr;
  }
  rt->keepalive = event_new(base, -1, EV_PERSIST, KeepaliveCb, nullptr);
  rt->wakeup = event_new(base, -1, 0, KeepaliveCb, nullptr);
  if (rt->keepalive == nullptr || rt->wakeup == nullptr) {
    Warn("prism_runtime_new: out of memory");
    return nullptr;
  }

  const int n = set.handlers_size();
  std::vector<uint8_t> cells(set.matrix().cells().begin(),
                             set.matrix().cells().end());
  rt->matrix = std::make_unique<ConflictMatrix>(n, cells);
  rt->handlers = HandlerTable(set);
  if (check) rt->checker = std::make_unique<Checker>(rt->matrix.get());
  Policy policy =
      wanted == PRISM_SCHEDULER_HUECOLOR ? Policy::kHueColor : Policy::kExact;
  rt->mode = wanted == PRISM_SCHEDULER_HUECOLOR ? "huecolor" : "exact";
  rt->scheduler = std::make_unique<Scheduler>(policy, rt->matrix.get(), workers,
                                              rt->checker.get());
  return rt.release();
}

void prism_runtime_drain(prism_runtime* rt) {
  if (rt != nullptr && rt->scheduler != nullptr) rt->scheduler->Drain();
}

void prism_runtime_free(prism_runtime* rt) {
  if (rt == nullptr) return;
  // Drain first, with the scheduler still in place: finishing invocations may
  // queue the next one of the same bufferevent or event. Only then stop the
  // workers.
  if (rt->scheduler != nullptr) rt->scheduler->Drain();
  rt->scheduler.reset();
  if (rt->keepalive != nullptr) event_free(rt->keepalive);
  if (rt->wakeup != nullptr) event_free(rt->wakeup);
  for (auto& entry : rt->events) Release(entry.second);
  for (auto& entry : rt->bevs) Release(entry.second);
  for (ListenerTramp* l : rt->listeners) delete l;
  delete rt;
}

const char* prism_runtime_mode(const prism_runtime* rt) {
  return rt != nullptr ? rt->mode : "serial";
}

int prism_runtime_workers(const prism_runtime* rt) {
  return rt != nullptr && rt->scheduler != nullptr ? rt->scheduler->workers()
                                                   : 0;
}

struct event* prism_event_new_named(prism_runtime* rt, evutil_socket_t fd,
                                    short what, event_callback_fn cb, void* arg,
                                    const char* cb_name, const char* cb_file) {
  if (rt == nullptr) return nullptr;
  if (!rt->parallel() || cb == nullptr)
    return event_new(rt->base, fd, what, cb, arg);
  EventTramp* t = NewEventTramp(rt, what, cb, arg, cb_name, cb_file);
  event* ev = event_new(rt->base, fd, what, EventTrampoline, t);
  if (ev == nullptr) {
    delete t;
    return nullptr;
  }
  if (arg == event_self_cbarg()) t->arg = ev;
  t->job.ctx = t->arg;
  Remember(rt, rt->events, ev, t);
  return ev;
}

int prism_event_assign_named(prism_runtime* rt, struct event* ev,
                             evutil_socket_t fd, short what,
                             event_callback_fn cb, void* arg,
                             const char* cb_name, const char* cb_file) {
  if (rt == nullptr || ev == nullptr) return -1;
  if (!rt->parallel() || cb == nullptr)
    return event_assign(ev, rt->base, fd, what, cb, arg);
  EventTramp* t = NewEventTramp(rt, what, cb, arg, cb_name, cb_file);
  if (arg == event_self_cbarg()) t->arg = ev;
  t->job.ctx = t->arg;
  if (event_assign(ev, rt->base, fd, what, EventTrampoline, t) != 0) {
    delete t;
    return -1;
  }
  Remember(rt, rt->events, ev, t);
  return 0;
}

// Cancels an invocation of `ev` that is queued but has not begun, as event_del
// cancels an active event in libevent, and forgets the record when `forget`.
static void CancelQueued(prism_runtime* rt, struct event* ev, bool forget) {
  EventTramp* t = nullptr;
  {
    std::lock_guard<std::mutex> lock(rt->registry_mu);
    auto it = rt->events.find(ev);
    if (it == rt->events.end()) return;
    t = it->second;
    if (forget) rt->events.erase(it);
  }
  {
    std::lock_guard<std::mutex> lock(t->mu);
    t->refire = 0;
    if (t->in_flight && !t->started) t->cancelled = true;
  }
  if (forget) Release(t);
}

int prism_event_del(prism_runtime* rt, struct event* ev) {
  if (rt == nullptr || ev == nullptr) return -1;
  int r = event_del(ev);
  if (rt->parallel()) CancelQueued(rt, ev, false);
  return r;
}

void prism_event_free(prism_runtime* rt, struct event* ev) {
  if (ev == nullptr) return;
  if (rt != nullptr && rt->parallel()) {
    event_del(ev);
    CancelQueued(rt, ev, true);
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
  OnceJob* o = new OnceJob;
  o->job.run = OnceRun;
  o->job.finish = OnceFinish;
  o->job.handler = rt->Row(cb_name, cb_file);
  o->job.ctx = arg;
  o->job.name = cb_name;
  o->rt = rt;
  o->cb = cb;
  o->arg = arg;
  if (event_base_once(rt->base, fd, what, OnceTrampoline, o, tv) != 0) {
    delete o;
    return -1;
  }
  return 0;
}

void prism_bufferevent_setcb_named(
    prism_runtime* rt, struct bufferevent* bev, bufferevent_data_cb readcb,
    bufferevent_data_cb writecb, bufferevent_event_cb eventcb, void* arg,
    const char* readcb_name, const char* writecb_name, const char* eventcb_name,
    const char* cb_file) {
  if (rt == nullptr || bev == nullptr) return;
  if (!rt->parallel()) {
    bufferevent_setcb(bev, readcb, writecb, eventcb, arg);
    return;
  }
  // Handlers on workers use the bufferevent while the loop thread fills it: it
  // needs its lock. Returns -1 when it already has one (BEV_OPT_THREADSAFE),
  // which is what we want.
  (void)bufferevent_enable_locking_(bev, nullptr);

  // Called again for a bufferevent we already serve (possibly from its own
  // handler): update the record in place so its queue and order survive.
  void* current = nullptr;
  bufferevent_getcb(bev, nullptr, nullptr, nullptr, &current);
  BevTramp* t = nullptr;
  {
    std::lock_guard<std::mutex> lock(rt->registry_mu);
    auto it = rt->bevs.find(bev);
    if (it != rt->bevs.end() && it->second == current) t = it->second;
  }
  bool fresh = t == nullptr;
  if (fresh) {
    t = new BevTramp;
    t->rt = rt;
    t->bev = bev;
    t->job.run = BevRun;
    t->job.finish = BevFinish;
  }
  {
    std::lock_guard<std::mutex> lock(t->mu);
    t->readcb = readcb;
    t->writecb = writecb;
    t->eventcb = eventcb;
    t->arg = arg;
    t->rows[kRead] = rt->Row(readcb ? readcb_name : nullptr, cb_file);
    t->rows[kWrite] = rt->Row(writecb ? writecb_name : nullptr, cb_file);
    t->rows[kEvent] = rt->Row(eventcb ? eventcb_name : nullptr, cb_file);
    t->names[kRead] = readcb_name;
    t->names[kWrite] = writecb_name;
    t->names[kEvent] = eventcb_name;
  }
  if (fresh) Remember(rt, rt->bevs, bev, t);
  bufferevent_setcb(bev, readcb ? BevReadTrampoline : nullptr,
                    writecb ? BevWriteTrampoline : nullptr,
                    eventcb ? BevEventTrampoline : nullptr, t);
}

static ListenerTramp* NewListenerTramp(prism_runtime* rt, evconnlistener_cb cb,
                                       void* arg, const char* cb_name,
                                       const char* cb_file) {
  ListenerTramp* l =
      new ListenerTramp{rt, cb, arg, rt->Row(cb_name, cb_file), cb_name};
  std::lock_guard<std::mutex> lock(rt->registry_mu);
  rt->listeners.push_back(l);
  return l;
}

struct evconnlistener* prism_evconnlistener_new_bind_named(
    prism_runtime* rt, evconnlistener_cb cb, void* arg, unsigned flags,
    int backlog, const struct sockaddr* sa, int socklen, const char* cb_name,
    const char* cb_file) {
  if (rt == nullptr) return nullptr;
  if (!rt->parallel() || cb == nullptr) {
    return evconnlistener_new_bind(rt->base, cb, arg, flags, backlog, sa,
                                   socklen);
  }
  ListenerTramp* l = NewListenerTramp(rt, cb, arg, cb_name, cb_file);
  return evconnlistener_new_bind(rt->base, AcceptTrampoline, l,
                                 flags | LEV_OPT_THREADSAFE, backlog, sa,
                                 socklen);
}

struct evconnlistener* prism_evconnlistener_new_named(
    prism_runtime* rt, evconnlistener_cb cb, void* arg, unsigned flags,
    int backlog, evutil_socket_t fd, const char* cb_name, const char* cb_file) {
  if (rt == nullptr) return nullptr;
  if (!rt->parallel() || cb == nullptr) {
    return evconnlistener_new(rt->base, cb, arg, flags, backlog, fd);
  }
  ListenerTramp* l = NewListenerTramp(rt, cb, arg, cb_name, cb_file);
  return evconnlistener_new(rt->base, AcceptTrampoline, l,
                            flags | LEV_OPT_THREADSAFE, backlog, fd);
}

size_t prism_runtime_constraint_stats(const prism_runtime* rt,
                                      struct prism_constraint_stat* out,
                                      size_t max) {
  if (rt == nullptr || rt->scheduler == nullptr) return 0;
  std::vector<prism::runtime::ConstraintStat> stats = rt->scheduler->Stats();
  for (size_t i = 0; i < stats.size() && i < max && out != nullptr; ++i) {
    out[i].waiting_handler = rt->handlers.name(stats[i].waiting).c_str();
    out[i].running_handler = rt->handlers.name(stats[i].running).c_str();
    out[i].kind = stats[i].kind;
    out[i].waits = stats[i].waits;
    out[i].wait_nanos = stats[i].wait_nanos;
  }
  return stats.size();
}

}  // extern "C"

namespace prism {
namespace runtime {

const Checker* RuntimeChecker(const prism_runtime* rt) {
  return rt != nullptr ? rt->checker.get() : nullptr;
}

prism::v1::RuntimeTelemetry RuntimeTelemetrySnapshot(const prism_runtime* rt) {
  prism::v1::RuntimeTelemetry t;
  t.set_program(program_invocation_short_name);
  t.set_build_id(rt->build_id);
  t.set_pid(getpid());
  t.set_mode(rt->mode);
  if (rt->scheduler == nullptr) return t;
  t.set_workers(rt->scheduler->workers());
  for (int row = 0; row < rt->matrix->size(); ++row) {
    uint64_t n = rt->scheduler->Invocations(row);
    if (n == 0) continue;
    prism::v1::HandlerStats* h = t.add_handlers();
    h->set_handler(row);
    h->set_invocations(n);
    h->set_run_nanos(rt->scheduler->RunNanos(row));
  }
  for (const prism::runtime::ConstraintStat& s : rt->scheduler->Stats()) {
    prism::v1::ConstraintWait* w = t.add_waits();
    w->set_waiting(s.waiting);
    w->set_running(s.running);
    w->set_kind(s.kind == 1 ? prism::v1::CONFLICT_KIND_GLOBAL
                            : prism::v1::CONFLICT_KIND_CONTEXT);
    w->set_waits(s.waits);
    w->set_wait_nanos(s.wait_nanos);
  }
  return t;
}

int RuntimeHandlerRow(const prism_runtime* rt, const char* name,
                      const char* file) {
  return rt->handlers.Resolve(name, file);
}

}  // namespace runtime
}  // namespace prism
