// The scheduling core of the runtime, independent of libevent: a conflict
// matrix, invocation records (Job), the exact and hue/color schedulers running
// jobs on worker threads, the checker and per-constraint telemetry. runtime.cc
// connects it to libevent; tests drive it directly.
//
// Thread-safety: Scheduler is fully thread-safe. A Job belongs to its submitter
// until `finish` is called; the scheduler never touches it afterwards.
#ifndef PRISM_LIB_RUNTIME_SCHEDULER_H_
#define PRISM_LIB_RUNTIME_SCHEDULER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/runtime/measured_mutex.h"

namespace prism {
namespace runtime {

// The 2-bit conflict matrix over the ConstraintSet's handlers 0..n-1, extended
// with one more row, unknown() == n, for handlers the set does not name: it
// conflicts globally with every handler, itself included (DESIGN.md invariant
// 1).
class ConflictMatrix {
 public:
  // `cells` is n*n, row-major, each 0..3 and symmetric (checked by the loader).
  ConflictMatrix(int n, const std::vector<uint8_t>& cells);
  // A matrix where every handler conflicts with every other (used by tests and
  // serial fallbacks).
  static ConflictMatrix AllUnknown();

  int known() const { return n_; }
  int unknown() const { return n_; }
  int size() const { return n_ + 1; }
  uint8_t at(int a, int b) const { return cells_[a * (n_ + 1) + b]; }
  // True when an invocation of `a` on context `ca` may not overlap one of `b`
  // on `cb`.
  bool Conflicts(int a, const void* ca, int b, const void* cb) const {
    uint8_t m = at(a, b);
    return (m & 1) != 0 || ((m & 2) != 0 && ca == cb);
  }
  // The kind (1 global, 2 context) that makes them conflict, 0 when they do
  // not.
  int ConflictKind(int a, const void* ca, int b, const void* cb) const {
    uint8_t m = at(a, b);
    if (m & 1) return 1;
    if ((m & 2) && ca == cb) return 2;
    return 0;
  }
  // Connected components of the global-conflict graph (the hue/color
  // scheduler's hues), over all size() rows.
  std::vector<int> Hues() const;

 private:
  int n_;
  std::vector<uint8_t> cells_;
};

// One invocation of a handler on a context. Owners embed it (an event keeps
// one, since at most one invocation of an event is in flight), so the hot path
// allocates nothing.
struct Job {
  // Runs the handler. Called on a worker thread.
  void (*run)(Job*) = nullptr;
  // Called after the scheduler released the job's slot: the owner may re-submit
  // or free it.
  void (*finish)(Job*) = nullptr;
  int handler = 0;            // Matrix row.
  const void* ctx = nullptr;  // The context argument.
  const char* name = "";      // For reports: the handler's registered name.

  // Set by the scheduler: this invocation ran on the submitting thread
  // (RunInline).
  bool ran_inline = false;

  // Scheduler-private.
  Job* next = nullptr;
  bool exclusive = false;  // Conflicts with every handler: runs alone.
  int blocked_by =
      -1;  // Matrix row of the first invocation this one waited for.
  int blocked_kind = 0;
  int64_t blocked_since_ns = 0;
  int slot = -1;
  bool needs_hue = false;
  bool needs_color = false;
};

struct ConstraintStat {
  int waiting;  // Matrix rows.
  int running;
  int kind;  // 1 global, 2 context.
  uint64_t waits;
  uint64_t wait_nanos;
};

// Records invocation start and end and aborts with a readable report when two
// conflicting invocations overlap. Also remembers which handler pairs did
// overlap (tests assert on it).
class Checker {
 public:
  explicit Checker(const ConflictMatrix* matrix);
  void Start(const Job* job);
  void End(const Job* job);
  bool Overlapped(int a, int b) const;
  uint64_t invocations() const;
  // Replaces abort() (tests check that a violation is reported).
  void set_on_violation(void (*fn)(const std::string& report)) {
    on_violation_ = fn;
  }

 private:
  struct Running {
    int handler;
    const void* ctx;
    const char* name;
    std::thread::id thread;
  };
  const ConflictMatrix* matrix_;
  mutable std::mutex mu_;
  std::vector<Running> running_;
  std::vector<uint8_t> overlapped_;  // size()*size()
  uint64_t invocations_ = 0;
  void (*on_violation_)(const std::string&) = nullptr;
};

enum class Policy { kExact, kHueColor };

// Runs submitted jobs on worker threads under the matrix. No lock is held while
// a handler runs.
class Scheduler {
 public:
  // `measure_lock`: count the scheduler lock's acquisitions, contention, wait
  // and hold times (lock_stats(); benchmarks).
  Scheduler(Policy policy, const ConflictMatrix* matrix, int workers,
            Checker* checker, bool measure_lock = false);
  ~Scheduler();  // Drains, then stops the workers.
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues `job` (job->handler, job->ctx, run and finish set). Thread-safe.
  void Submit(Job* job);
  // Runs `job` at once on the calling thread (run, then finish) when it may
  // start now and handing it to a worker would not pay: its handler conflicts
  // with every handler (nothing could run beside it anyway; taken only when no
  // other job is in flight) or its invocations have been short (under
  // kInlineNanos on average). Returns false, job
  // untouched, otherwise. Used by the loop thread: exactly libevent's way.
  bool RunInline(Job* job);
  static constexpr int64_t kInlineNanos = 10000;
  static constexpr int64_t kSampleCapNanos = 8 * kInlineNanos;
  // A handler that reads as short is timed on one invocation in this many.
  static constexpr uint64_t kTimingPeriod = 8;
  // Blocks until every submitted job has finished, including jobs submitted
  // meanwhile.
  void Drain();
  std::vector<ConstraintStat> Stats() const;
  // Per matrix row: invocations run and their total run time (for a handler
  // that reads as short, estimated from one invocation in kTimingPeriod).
  uint64_t Invocations(int row) const { return Counted(row, 0); }
  uint64_t RunNanos(int row) const { return Counted(row, 1); }
  // The worker threads it may run jobs on. A worker idle for kRetireAfter
  // with nothing queued exits and one is started again at the next hand-off
  // that finds none idle: a program whose invocations all run inline becomes
  // single-threaded again, and the kernel then spares each of its reads and
  // writes the file-reference atomics a multi-threaded process pays.
  int workers() const { return worker_count_; }
  static constexpr std::chrono::milliseconds kRetireAfter{100};
  // Worker threads running now (tests).
  int live_workers() const;
  // Invocations submitted and not yet started (approximate, lock-free).
  int64_t Backlog() const { return backlog_.load(std::memory_order_relaxed); }
  // The scheduler lock's figures so far (zero unless measured).
  LockStats lock_stats() const;
  // True on the scheduler's worker threads.
  static bool OnWorkerThread();

 private:
  void WorkerLoop(int index);
  // Starts a worker in a free slot; false when none is free or the thread
  // could not be made.
  bool StartWorkerLocked();
  // When no worker could be started again: runs what may start on the
  // calling thread until nothing may.
  void RunQueuedHere();
  bool AdmitNowLocked(Job* job);
  void Execute(Job* job);  // Checker, run, timing.
  // Whether another worker woken now could start something: huecolor, an
  // admitted invocation is ready; exact, some pending invocation's row is not
  // held back by a global conflict with a running one (a context conflict
  // depends on the context: then it may). Never false when one could start.
  bool AnyMayStartLocked() const;
  void PendingRowAdded(int row);
  void PendingRowRemoved(int row);
  // After a job's finish: one fewer in flight; wakes Drain at zero.
  void FinishedOne();
  // Per-row counters, one block per worker and one shared by other threads,
  // each block on cache lines of its own: workers never write the same line.
  std::atomic<uint64_t>& Counter(int block, int row, int field) const;
  uint64_t Counted(int row, int field) const;
  Job* PopLocked();
  Job* PopExactLocked();
  void CompleteLocked(Job* job);
  void AdmitLocked(Job* job);  // Exact: mark running.
  // Hue/color stages.
  void EnterHueLocked(Job* job);
  void EnterColorLocked(Job* job);
  void GateDrainLocked();
  void NoteBlockedLocked(Job* job, int by, int kind);
  void RecordWaitLocked(Job* job);
  static int64_t NowNanos();

  struct Fifo {
    Job* head = nullptr;
    Job* tail = nullptr;
    bool empty() const { return head == nullptr; }
    void Push(Job* j) {
      j->next = nullptr;
      if (tail) {
        tail->next = j;
      } else {
        head = j;
      }
      tail = j;
    }
    Job* Pop() {
      Job* j = head;
      if (j) {
        head = j->next;
        if (!head) tail = nullptr;
        j->next = nullptr;
      }
      return j;
    }
  };
  struct Running {
    int handler;
    const void* ctx;
    Job* job;
  };
  struct HueState {
    bool busy = false;
    int holder = -1;
    Fifo waiting;
  };
  struct ColorState {
    bool busy = false;
    int holder = -1;
    Fifo waiting;
  };

  const Policy policy_;
  const ConflictMatrix* matrix_;
  Checker* checker_;
  const int worker_count_;
  // Per slot, under mu_: its thread (joined at destruction; a retired one
  // detached itself) and whether it is still in WorkerLoop.
  std::vector<std::thread> threads_;
  std::vector<bool> slot_live_;
  int live_workers_ = 0;

  mutable MeasuredMutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable drained_cv_;
  bool stopping_ = false;
  int idle_ = 0;
  std::atomic<int64_t> backlog_{0};  // Submitted, not yet started.
  // Submitted, not yet finished. Raised under mu_, lowered after a finish
  // without it; on a line of its own, away from the lock.
  alignas(64) std::atomic<uint64_t> outstanding_{0};

  // Exact.
  Fifo pending_;
  std::vector<Job*> reps_;         // PopExactLocked scratch: blocked classes.
  std::vector<int> row_blocker_;   // Per row: -1, or what blocks it globally.
  std::vector<int> touched_rows_;  // Rows with row_blocker_ set.
  std::vector<Running> running_;
  std::vector<int> pending_in_row_;    // Per row: pending invocations.
  std::vector<int> pending_rows_;      // Rows with pending invocations.
  std::vector<int> pending_row_slot_;  // Per row: its index in pending_rows_.
  // Hue/color.
  std::vector<int> hue_;
  std::vector<bool> has_global_, has_context_;
  std::vector<HueState> hues_;
  absl::flat_hash_map<const void*, ColorState> colors_;
  Fifo ready_;
  Fifo gate_;
  int admitted_ = 0;  // Past the gate, not completed.
  bool exclusive_ = false;

  std::vector<bool> exclusive_row_;
  std::vector<bool> self_global_;
  std::unique_ptr<std::atomic<int64_t>[]>
      avg_nanos_;  // Per row, moving average of run time.
  struct alignas(64) CounterLine {
    std::atomic<uint64_t> values[8];
  };
  int counter_lines_per_block_ = 0;
  int shared_counter_block_ = 0;  // The block of threads that are not workers.
  std::unique_ptr<CounterLine[]> counters_;  // Invocations and run time.

  // Telemetry: [(waiting * size + running) * 2 + kind - 1].
  std::vector<uint64_t> waits_;
  std::vector<uint64_t> wait_nanos_;
};

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_SCHEDULER_H_
