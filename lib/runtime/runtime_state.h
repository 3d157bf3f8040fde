// The state of one prism_runtime, shared by the runtime's parts (not
// installed):
//   startup.cc            options, environment, constraint decisions
//   runtime.cc            the rest of the public C API (free, drain, stats)
//   loop.cc               dispatching invocations, keeping the loop alive,
//                         pacing the loop thread
//   event_bridge.cc       events and event_base_once; event_del/event_free
//   bufferevent_bridge.cc bufferevents
//   listener_bridge.cc    connection listeners
//   bypass.cc             callbacks registered past the runtime
//   base_registration.cc  the runtime of a base; registrations by base
//   identity.cc           which matrix row a registration runs as
//
// In a parallel mode every registration installs a trampoline: libevent calls
// it on the loop thread, it hands the invocation (a Job embedded in the
// trampoline's own record, never in the libevent object) to Dispatch, and
// returns; a worker runs the handler when the matrix allows. In serial mode
// nothing of this exists: registrations go straight to libevent.
#ifndef PRISM_LIB_RUNTIME_RUNTIME_STATE_H_
#define PRISM_LIB_RUNTIME_RUNTIME_STATE_H_

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "lib/runtime/constraints.h"
#include "lib/runtime/scheduler.h"
#include "lib/runtime/telemetry_reporter.h"
#include "prism/runtime.h"

namespace prism {
namespace runtime {

struct EventRecord;
struct BevRecord;
struct ListenerRecord;
struct OnceRecord;
class SymbolTable;

// One line on stderr, prefixed "prism: ".
void Warn(const std::string& message);

// Each bridge frees what it keeps for the runtime (prism_runtime_free).
void ReleaseRecord(EventRecord* record);
// prism_runtime_free: the event may still be freed afterwards (event_free),
// so its record stays, without its runtime. (Records of events freed without
// prism/runtime.h's event_free cannot be told apart and stay too.)
void DetachRecord(EventRecord* record);
void ReleaseRecord(BevRecord* record);
void DeleteRecord(ListenerRecord* record);
void DeleteRecord(OnceRecord* record);  // Frees its event too.

// Whether `code` lies in one of libevent's own libraries (its callbacks for
// bufferevents, listeners, evhttp, evdns), not in the program.
bool InLibevent(const void* code);

// What the runtime itself has libevent call (bypass.cc checks every event on
// the base against these).
bool IsEventBridgeCallback(event_callback_fn cb);
// The runtime an event made through it belongs to, with the program's own
// callback and argument; nullptr (and nothing set) for any other event, or
// once that runtime was freed.
prism_runtime* EventRuntime(event* ev, event_callback_fn* cb, void** arg);
bool IsLoopEventCallback(event_callback_fn cb);
bool IsBufferEventBridgeCallbacks(bufferevent_data_cb readcb,
                                  bufferevent_data_cb writecb,
                                  bufferevent_event_cb eventcb);
void NoteListener(prism_runtime* rt, const evconnlistener* listener);
bool IsRuntimeListener(prism_runtime* rt, const void* object);

// The keepalive, wakeup and pacing events of a parallel runtime; false when
// out of memory.
bool CreateLoopEvents(prism_runtime* rt);

// Which runtime serves a base (base_registration.cc): prism_runtime_new
// registers what it returns (and returns it), prism_runtime_free forgets it.
prism_runtime* RegisterBase(event_base* base, prism_runtime* rt);
void UnregisterBase(const prism_runtime* rt);

// The preloaded runtime (preload.cc) routes libevent's own registration calls
// through the runtime, including those the source-level API has no wrapper
// for: constraints that ask for serial execution only because of those
// (ConstraintSet.source_api_serial_reasons) then do not. Before the first
// prism_runtime_new.
void NoteRegistrationsInterposed();

// Before workers get work after being idle (the loop thread, nothing in
// flight; at most every 100 ms): when a callback on the base is not the
// runtime's, says which and turns on rt->serial_fallback.
void CheckForBypass(prism_runtime* rt);
// Learns what libevent's own bufferevent events call (once per process), so
// that the first check does not do it on the loop thread.
void PrepareBypassCheck();

}  // namespace runtime
}  // namespace prism

struct prism_runtime {
  prism_runtime();
  ~prism_runtime();

  event_base* base = nullptr;
  // "serial", "huecolor" or "exact"; becomes "serial" on a serial fallback.
  std::atomic<const char*> mode{"serial"};
  std::string build_id;
  std::unique_ptr<prism::runtime::ConflictMatrix> matrix;
  prism::runtime::HandlerTable handlers;
  std::unique_ptr<prism::runtime::Checker> checker;
  std::unique_ptr<prism::runtime::Scheduler> scheduler;
  // Sends the scheduler's per-constraint waits to the agent (null: no client
  // linked, or telemetry off). Stopped before the scheduler goes.
  std::unique_ptr<prism::runtime::TelemetryReporter> telemetry;
  bool parallel() const { return scheduler != nullptr; }

  // ---- Dispatching (loop.cc).
  //
  // Runs or queues an invocation a trampoline accepted: inline when a
  // hand-off cannot pay (Scheduler::RunInline), else on a worker. `pace`:
  // the caller holds no libevent lock, so the loop thread may wait here for
  // the backlog to shrink (otherwise the wait is deferred to a runtime event
  // that runs once the caller returned to the loop).
  enum class Pace { kNow, kDeferred, kNever };
  void Dispatch(prism::runtime::Job* job, Pace pace);
  // A record's finish callback starts the record's next invocation. `counted`:
  // the one that ended ran on a worker (it held an inflight count).
  void Resubmit(prism::runtime::Job* job, bool counted);
  // Once a callback outside the constraints was found (bypass.cc), every
  // invocation runs right here, on the calling (loop) thread: serial.
  std::atomic<bool> serial_fallback{false};
  // Turns serial_fallback on (and the mode to "serial"); false when it was on
  // already, so that only the first cause is reported.
  bool FallBackToSerial();

  // While invocations are in flight the loop must not return for lack of
  // events (plain libevent runs the handler inside the loop, where it may add
  // the next event): a persistent timer far in the future stays added exactly
  // while something is queued or running.
  event* keepalive = nullptr;
  event* wakeup = nullptr;
  std::atomic<int64_t> inflight{0};
  std::mutex keepalive_mu;
  bool keepalive_added = false;
  void InflightInc();
  void InflightDec();

  // ---- Pacing of the loop thread, each wait at most 1 ms (loop.cc).
  //  - A level-triggered fd whose invocation is still queued or running stays
  //    ready, so the loop would spin re-reporting it. After such a dropped
  //    re-fire the loop waits for the next completion: the only thing that can
  //    make progress anyway.
  //  - While more invocations are queued than four times the workers, the loop
  //    waits until the backlog is down to one per worker: the workers have
  //    work, and one later loop iteration dispatches everything that became
  //    ready meanwhile, instead of one wake-up of the loop thread per event.
  //    Never while libevent holds a lock of the caller's (a bufferevent's):
  //    then `pace_event` does it after the callback returned.
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
  event* pace_event = nullptr;
  void NoteCompletion();
  void ThrottleAfterDrop();
  void PaceBacklog();
  bool BacklogIsHigh() const;

  // ---- Identity (identity.cc): the matrix row of a registration; says once
  // per handler when it is not in the constraints (it then runs alone).
  int Row(const void* callback, const char* name, const char* file);
  std::unique_ptr<prism::runtime::SymbolTable> symbols;
  absl::flat_hash_set<std::string> reported_unknown;  // Under registry_mu.

  // ---- Records by libevent object address. A record is replaced when its
  // address is registered again (libevent reused freed memory), which bounds
  // what freed objects leave behind.
  std::mutex registry_mu;
  absl::flat_hash_map<event*, prism::runtime::EventRecord*> events;
  absl::flat_hash_map<bufferevent*, prism::runtime::BevRecord*> bevs;
  std::vector<prism::runtime::ListenerRecord*> listeners;

  std::vector<const evconnlistener*> listener_objects;  // Under registry_mu.
  absl::flat_hash_set<prism::runtime::OnceRecord*> once_pending;  // Ditto.

  // ---- Bypass detection (bypass.cc): when the next check may run.
  std::atomic<int64_t> next_bypass_scan_ns{0};
};

#endif  // PRISM_LIB_RUNTIME_RUNTIME_STATE_H_
