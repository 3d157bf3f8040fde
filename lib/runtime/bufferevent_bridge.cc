// Bufferevents under the runtime. A bufferevent's callbacks run one at a time,
// in order, and stop once it was freed (or given other callbacks). The record
// holds a reference on the bufferevent while an invocation is in flight, so a
// handler may bufferevent_free() one whose invocation is still queued.
//
// libevent calls the trampolines with the bufferevent's lock held: they never
// wait there (the loop's pacing is deferred to after the callback).
#include <event2/bufferevent.h>

#include "lib/runtime/runtime_state.h"

// Exported by libevent 2.1 but declared only in its private headers: turning
// on locking for a bufferevent created without BEV_OPT_THREADSAFE.
extern "C" int bufferevent_enable_locking_(struct bufferevent* bufev,
                                           void* lock);

using prism::runtime::Job;

namespace prism {
namespace runtime {

enum BevKind { kRead = 0, kWrite = 1, kEvent = 2 };

struct BevRecord {
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
  // What fired while an invocation was in flight, in order. Read and write
  // callbacks read the buffers' state when they run: one pending of each kind
  // is enough. Event callbacks keep their flags; past kMaxEvents pending ones
  // a new one is merged into the last pending event. So the ring never
  // overflows and no kind is ever lost.
  struct Pending {
    int kind;
    short what;
  };
  static constexpr int kMaxEvents = 8;
  static constexpr int kRing = kMaxEvents + 2;
  Pending ring[kRing];
  int head = 0, count = 0;
  // The invocation being run.
  int kind = 0;
  short what = 0;
  bufferevent_data_cb run_data = nullptr;
  bufferevent_event_cb run_event = nullptr;
  void* run_arg = nullptr;

  Pending& at(int i) { return ring[(head + i) % kRing]; }
};

void ReleaseRecord(BevRecord* t) {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete t;
}

}  // namespace runtime
}  // namespace prism

using prism::runtime::BevRecord;
using prism::runtime::kEvent;
using prism::runtime::kRead;
using prism::runtime::kWrite;
using prism::runtime::ReleaseRecord;

namespace {

void BevStartLocked(BevRecord* t, int kind, short what) {
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

// Whether the bufferevent still calls this record: freed or given other
// callbacks by a handler, libevent would not call ours any more, so neither
// do we. (We hold a reference, so the bufferevent is still there.)
bool StillOurs(BevRecord* t) {
  void* cbarg = nullptr;
  bufferevent_getcb(t->bev, nullptr, nullptr, nullptr, &cbarg);
  return cbarg == t;
}

void BevRun(Job* job) {
  BevRecord* t = reinterpret_cast<BevRecord*>(job);
  if (!StillOurs(t)) return;
  if (t->kind == kEvent) {
    if (t->run_event != nullptr) t->run_event(t->bev, t->what, t->run_arg);
  } else if (t->run_data != nullptr) {
    t->run_data(t->bev, t->run_arg);
  }
}

void BevFinish(Job* job) {
  BevRecord* t = reinterpret_cast<BevRecord*>(job);
  t->rt->NoteCompletion();
  const bool ours = StillOurs(t);
  // Read before in_flight is released: the next invocation reuses the job.
  const bool counted = !job->ran_inline;
  bool again = false;
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (!ours) t->count = 0;
    if (t->count > 0) {
      BevRecord::Pending next = t->at(0);
      t->head = (t->head + 1) % BevRecord::kRing;
      --t->count;
      BevStartLocked(t, next.kind, next.what);
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
  bufferevent* bev = t->bev;
  if (counted) rt->InflightDec();
  ReleaseRecord(t);
  bufferevent_decref(bev);
}

// Queues a fire behind the invocation in flight (under t->mu).
void PendLocked(BevRecord* t, int kind, short what) {
  int events = 0, last_event = -1;
  for (int i = 0; i < t->count; ++i) {
    const BevRecord::Pending& p = t->at(i);
    if (p.kind == kind && kind != kEvent) return;
    if (p.kind == kEvent) {
      ++events;
      last_event = i;
    }
  }
  if (kind == kEvent && events == BevRecord::kMaxEvents) {
    t->at(last_event).what |= what;
    return;
  }
  t->at(t->count) = {kind, what};
  ++t->count;
}

void BevFire(BevRecord* t, int kind, short what) {
  {
    std::lock_guard<std::mutex> lock(t->mu);
    if (t->in_flight) {
      PendLocked(t, kind, what);
      return;
    }
    t->in_flight = true;
    BevStartLocked(t, kind, what);
  }
  bufferevent_incref(t->bev);
  t->refs.fetch_add(1, std::memory_order_relaxed);
  t->rt->Dispatch(&t->job, prism_runtime::Pace::kDeferred);
}

void BevReadTrampoline(bufferevent*, void* arg) {
  BevFire(static_cast<BevRecord*>(arg), kRead, 0);
}
void BevWriteTrampoline(bufferevent*, void* arg) {
  BevFire(static_cast<BevRecord*>(arg), kWrite, 0);
}
void BevEventTrampoline(bufferevent*, short what, void* arg) {
  BevFire(static_cast<BevRecord*>(arg), kEvent, what);
}

}  // namespace

namespace prism {
namespace runtime {

bool IsBufferEventBridgeCallbacks(bufferevent_data_cb readcb,
                                  bufferevent_data_cb writecb,
                                  bufferevent_event_cb eventcb) {
  return (readcb == nullptr || readcb == BevReadTrampoline) &&
         (writecb == nullptr || writecb == BevWriteTrampoline) &&
         (eventcb == nullptr || eventcb == BevEventTrampoline);
}

}  // namespace runtime
}  // namespace prism

extern "C" {

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
  BevRecord* t = nullptr;
  {
    std::lock_guard<std::mutex> lock(rt->registry_mu);
    auto it = rt->bevs.find(bev);
    if (it != rt->bevs.end() && it->second == current) t = it->second;
  }
  bool fresh = t == nullptr;
  if (fresh) {
    t = new BevRecord;
    t->rt = rt;
    t->bev = bev;
    t->job.run = BevRun;
    t->job.finish = BevFinish;
  }
  auto row = [&](const void* cb, const char* name) {
    return rt->Row(cb, cb != nullptr ? name : nullptr, cb_file);
  };
  int rows[3] = {row(reinterpret_cast<const void*>(readcb), readcb_name),
                 row(reinterpret_cast<const void*>(writecb), writecb_name),
                 row(reinterpret_cast<const void*>(eventcb), eventcb_name)};
  {
    std::lock_guard<std::mutex> lock(t->mu);
    t->readcb = readcb;
    t->writecb = writecb;
    t->eventcb = eventcb;
    t->arg = arg;
    for (int kind : {kRead, kWrite, kEvent}) t->rows[kind] = rows[kind];
    t->names[kRead] = readcb_name;
    t->names[kWrite] = writecb_name;
    t->names[kEvent] = eventcb_name;
  }
  if (fresh) {
    BevRecord* old = nullptr;
    {
      std::lock_guard<std::mutex> lock(rt->registry_mu);
      BevRecord*& slot = rt->bevs[bev];
      old = slot;
      slot = t;
    }
    if (old != nullptr) ReleaseRecord(old);
  }
  bufferevent_setcb(bev, readcb ? BevReadTrampoline : nullptr,
                    writecb ? BevWriteTrampoline : nullptr,
                    eventcb ? BevEventTrampoline : nullptr, t);
}

}  // extern "C"
