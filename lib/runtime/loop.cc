// How invocations reach the scheduler, and what that asks of the loop thread:
// keeping the loop alive while invocations are in flight, and pacing it while
// the workers are behind.
#include <event2/event.h>

#include "lib/runtime/runtime_state.h"

using prism::runtime::Job;
using prism::runtime::Scheduler;

namespace {

// Serial fallback: exactly what libevent would do, on the calling thread.
void RunHere(Job* job) {
  job->ran_inline = true;
  job->run(job);
  job->finish(job);
}

// The keepalive timer and the wakeup event only make the loop run.
void NothingCb(evutil_socket_t, short, void*) {}

void PaceCb(evutil_socket_t, short, void* arg) {
  static_cast<prism_runtime*>(arg)->PaceBacklog();
}

}  // namespace

bool prism_runtime::FallBackToSerial() {
  if (serial_fallback.exchange(true, std::memory_order_acq_rel)) return false;
  mode.store("serial", std::memory_order_relaxed);
  return true;
}

void prism_runtime::Dispatch(Job* job, Pace pace) {
  if (serial_fallback.load(std::memory_order_acquire)) {
    RunHere(job);
    return;
  }
  if (scheduler->RunInline(job)) return;
  prism::runtime::CheckForBypass(this);
  if (serial_fallback.load(std::memory_order_acquire)) {
    RunHere(job);
    return;
  }
  InflightInc();
  scheduler->Submit(job);
  if (pace == Pace::kNow) {
    PaceBacklog();
  } else if (pace == Pace::kDeferred && !Scheduler::OnWorkerThread() &&
             BacklogIsHigh()) {
    event_active(pace_event, EV_TIMEOUT, 1);
  }
}

void prism_runtime::Resubmit(Job* job, bool counted) {
  if (serial_fallback.load(std::memory_order_acquire)) {
    if (counted) InflightDec();
    RunHere(job);
    return;
  }
  if (!counted) InflightInc();
  scheduler->Submit(job);
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

bool prism_runtime::BacklogIsHigh() const {
  return scheduler->Backlog() > 4 * scheduler->workers();
}

void prism_runtime::NoteCompletion() {
  completions.fetch_add(1, std::memory_order_seq_cst);
  int waiting = loop_waiting.load(std::memory_order_seq_cst);
  if (waiting == kWaitingForCompletion ||
      (waiting == kWaitingForBacklog &&
       scheduler->Backlog() <= scheduler->workers())) {
    // Taking the lock orders this completion after the waiter's check of
    // its predicate (it is either before that check or already waiting).
    // Notify after releasing it: a waiter woken while the lock is still
    // held would at once block on it again (two more context switches).
    { std::lock_guard<std::mutex> lock(throttle_mu); }
    throttle_cv.notify_all();
  }
}

void prism_runtime::ThrottleAfterDrop() {
  uint64_t c = completions.load(std::memory_order_seq_cst);
  if (c == drop_mark && std::chrono::steady_clock::now() >= no_wait_until) {
    std::unique_lock<std::mutex> lock(throttle_mu);
    loop_waiting.store(kWaitingForCompletion, std::memory_order_seq_cst);
    bool done = throttle_cv.wait_for(lock, std::chrono::milliseconds(1), [&] {
      return completions.load(std::memory_order_seq_cst) != c;
    });
    loop_waiting.store(kNotWaiting, std::memory_order_relaxed);
    if (!done) {
      no_wait_until =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
    }
  }
  drop_mark = completions.load(std::memory_order_seq_cst);
}

void prism_runtime::PaceBacklog() {
  if (Scheduler::OnWorkerThread() || !BacklogIsHigh() ||
      std::chrono::steady_clock::now() < no_wait_until) {
    return;
  }
  std::unique_lock<std::mutex> lock(throttle_mu);
  loop_waiting.store(kWaitingForBacklog, std::memory_order_seq_cst);
  bool done = throttle_cv.wait_for(lock, std::chrono::milliseconds(1), [&] {
    return scheduler->Backlog() <= scheduler->workers();
  });
  loop_waiting.store(kNotWaiting, std::memory_order_relaxed);
  if (!done) {
    no_wait_until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  }
}

namespace prism {
namespace runtime {

// The loop-side events of a parallel runtime (keepalive, wakeup, deferred
// pacing); false when out of memory.
bool CreateLoopEvents(prism_runtime* rt) {
  rt->keepalive = event_new(rt->base, -1, EV_PERSIST, NothingCb, nullptr);
  rt->wakeup = event_new(rt->base, -1, 0, NothingCb, nullptr);
  rt->pace_event = event_new(rt->base, -1, 0, PaceCb, rt);
  return rt->keepalive != nullptr && rt->wakeup != nullptr &&
         rt->pace_event != nullptr;
}

bool IsLoopEventCallback(event_callback_fn cb) {
  return cb == PaceCb || cb == NothingCb;
}

}  // namespace runtime
}  // namespace prism
