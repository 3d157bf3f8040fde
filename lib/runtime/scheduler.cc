#include "lib/runtime/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <system_error>

#include "absl/strings/str_format.h"

namespace prism {
namespace runtime {

// The exact scheduler looks at most this many pending invocations per
// admission: enough to find parallelism behind a blocked head, bounded so that
// a long queue costs O(1) per admission.
constexpr int kExactWindow = 32;

ConflictMatrix::ConflictMatrix(int n, const std::vector<uint8_t>& cells)
    : n_(n), cells_((n + 1) * (n + 1), 1) {
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) cells_[a * (n + 1) + b] = cells[a * n + b] & 3;
  }
}

ConflictMatrix ConflictMatrix::AllUnknown() { return ConflictMatrix(0, {}); }

std::vector<int> ConflictMatrix::Hues() const {
  std::vector<int> parent(size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (int a = 0; a < known(); ++a) {
    for (int b = a + 1; b < known(); ++b) {
      if (at(a, b) & 1) parent[find(a)] = find(b);
    }
  }
  // Number the components densely in order of first appearance.
  std::vector<int> hue(size()), number(size(), -1);
  int next = 0;
  for (int a = 0; a < size(); ++a) {
    int root = find(a);
    if (number[root] < 0) number[root] = next++;
    hue[a] = number[root];
  }
  return hue;
}

// ---- Checker

Checker::Checker(const ConflictMatrix* matrix)
    : matrix_(matrix), overlapped_(matrix->size() * matrix->size(), 0) {}

void Checker::Start(const Job* job) {
  std::string report;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++invocations_;
    for (const Running& r : running_) {
      int kind =
          matrix_->ConflictKind(job->handler, job->ctx, r.handler, r.ctx);
      if (kind != 0 && report.empty()) {
        report = absl::StrFormat(
            "prism checker: conflicting handlers overlapped: '%s' (context %p) "
            "started while "
            "'%s' (context %p) was running; they conflict through %s (matrix "
            "cell %d)",
            job->name, job->ctx, r.name, r.ctx,
            kind == 1 ? "global data" : "their shared context",
            matrix_->at(job->handler, r.handler));
      }
      overlapped_[job->handler * matrix_->size() + r.handler] = 1;
      overlapped_[r.handler * matrix_->size() + job->handler] = 1;
    }
    running_.push_back(
        {job->handler, job->ctx, job->name, std::this_thread::get_id()});
  }
  if (!report.empty()) {
    if (on_violation_ != nullptr) {
      on_violation_(report);
      return;
    }
    std::fprintf(stderr, "%s\n", report.c_str());
    std::fflush(stderr);
    std::abort();
  }
}

void Checker::End(const Job* job) {
  std::lock_guard<std::mutex> lock(mu_);
  std::thread::id self = std::this_thread::get_id();
  for (size_t i = 0; i < running_.size(); ++i) {
    if (running_[i].thread == self && running_[i].handler == job->handler &&
        running_[i].ctx == job->ctx) {
      running_[i] = running_.back();
      running_.pop_back();
      return;
    }
  }
}

bool Checker::Overlapped(int a, int b) const {
  std::lock_guard<std::mutex> lock(mu_);
  return overlapped_[a * matrix_->size() + b] != 0;
}

uint64_t Checker::invocations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return invocations_;
}

// ---- Scheduler

Scheduler::Scheduler(Policy policy, const ConflictMatrix* matrix, int workers,
                     Checker* checker, bool measure_lock)
    : policy_(policy),
      matrix_(matrix),
      checker_(checker),
      worker_count_(workers < 1 ? 1 : workers),
      mu_(measure_lock),
      waits_(matrix->size() * matrix->size() * 2, 0),
      wait_nanos_(matrix->size() * matrix->size() * 2, 0) {
  hue_ = matrix->Hues();
  hues_.resize(matrix->size());
  has_global_.assign(matrix->size(), false);
  has_context_.assign(matrix->size(), false);
  // Over known handlers only: the unknown row conflicts with everything and is
  // handled by the gate (one invocation of an unknown handler runs alone).
  for (int a = 0; a < matrix->known(); ++a) {
    for (int b = 0; b < matrix->known(); ++b) {
      if (matrix->at(a, b) & 1) has_global_[a] = true;
      if (matrix->at(a, b) & 2) has_context_[a] = true;
    }
  }
  exclusive_row_.assign(matrix->size(), true);
  for (int a = 0; a < matrix->size(); ++a) {
    for (int b = 0; b < matrix->size(); ++b) {
      if ((matrix->at(a, b) & 1) == 0) exclusive_row_[a] = false;
    }
  }
  self_global_.assign(matrix->size(), false);
  for (int a = 0; a < matrix->size(); ++a)
    self_global_[a] = (matrix->at(a, a) & 1) != 0;
  avg_nanos_.reset(new std::atomic<int64_t>[matrix->size()]);
  for (int a = 0; a < matrix->size(); ++a)
    avg_nanos_[a] = kInlineNanos * 4;  // Unknown: long.
  row_blocker_.assign(matrix->size(), -1);
  pending_in_row_.assign(matrix->size(), 0);
  pending_row_slot_.assign(matrix->size(), -1);
  // Two counters per row; one block per worker, then one for other threads.
  counter_lines_per_block_ = (2 * matrix->size() + 7) / 8;
  shared_counter_block_ = worker_count_;
  const int lines = (worker_count_ + 1) * counter_lines_per_block_;
  counters_.reset(new CounterLine[lines]);
  for (int line = 0; line < lines; ++line) {
    for (std::atomic<uint64_t>& value : counters_[line].values) value = 0;
  }
  threads_.resize(worker_count_);
  slot_live_.assign(worker_count_, false);
  std::lock_guard<MeasuredMutex> lock(mu_);
  while (StartWorkerLocked()) {
  }
  if (live_workers_ == 0) {
    std::fprintf(stderr, "prism: no worker thread could be started\n");
    std::abort();
  }
}

bool Scheduler::StartWorkerLocked() {
  for (int slot = 0; slot < worker_count_; ++slot) {
    if (slot_live_[slot]) continue;
    try {
      threads_[slot] = std::thread([this, slot] { WorkerLoop(slot); });
    } catch (const std::system_error&) {
      return false;  // The live workers run what is queued.
    }
    slot_live_[slot] = true;
    ++live_workers_;
    return true;
  }
  return false;
}

int Scheduler::live_workers() const {
  std::lock_guard<MeasuredMutex> lock(mu_);
  return live_workers_;
}

Scheduler::~Scheduler() {
  Drain();
  {
    std::lock_guard<MeasuredMutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

int64_t Scheduler::NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Scheduler::NoteBlockedLocked(Job* job, int by, int kind) {
  if (job->blocked_by >= 0) return;
  job->blocked_by = by;
  job->blocked_kind = kind;
  job->blocked_since_ns = NowNanos();
}

void Scheduler::RecordWaitLocked(Job* job) {
  if (job->blocked_by < 0) return;
  size_t index = (job->handler * matrix_->size() + job->blocked_by) * 2 +
                 job->blocked_kind - 1;
  ++waits_[index];
  wait_nanos_[index] +=
      static_cast<uint64_t>(NowNanos() - job->blocked_since_ns);
  job->blocked_by = -1;
}

namespace {
// Which scheduler's worker this thread is, and its index there.
thread_local const Scheduler* t_worker_of = nullptr;
thread_local int t_worker_index = 0;
}  // namespace

bool Scheduler::OnWorkerThread() { return t_worker_of != nullptr; }

std::atomic<uint64_t>& Scheduler::Counter(int block, int row, int field) const {
  const int slot = 2 * row + field;
  return counters_[block * counter_lines_per_block_ + slot / 8]
      .values[slot % 8];
}

uint64_t Scheduler::Counted(int row, int field) const {
  uint64_t total = 0;
  for (int block = 0; block <= shared_counter_block_; ++block) {
    total += Counter(block, row, field).load(std::memory_order_relaxed);
  }
  return total;
}

void Scheduler::Execute(Job* job) {
  if (checker_ != nullptr) checker_->Start(job);
  const int block =
      t_worker_of == this ? t_worker_index : shared_counter_block_;
  std::atomic<int64_t>& avg = avg_nanos_[job->handler];
  const uint64_t count =
      Counter(block, job->handler, 0).fetch_add(1, std::memory_order_relaxed);
  // A handler that reads as short is timed on one invocation in
  // kTimingPeriod: two clock reads cost a no-op handler's invocation several
  // percent, and its average only has to notice that it became long (within
  // kTimingPeriod invocations). Its run time in the telemetry is then that
  // sample times kTimingPeriod, an unbiased estimate.
  const bool short_so_far = avg.load(std::memory_order_relaxed) <= kInlineNanos;
  if (short_so_far && count % kTimingPeriod != 0) {
    job->run(job);
    if (checker_ != nullptr) checker_->End(job);
    return;
  }
  const int64_t start = NowNanos();
  job->run(job);
  const int64_t took = NowNanos() - start;
  Counter(block, job->handler, 1)
      .fetch_add(
          static_cast<uint64_t>(took) * (short_so_far ? kTimingPeriod : 1),
          std::memory_order_relaxed);
  // The average only decides whether a hand-off can pay (RunInline). One
  // sample counts at most kSampleCapNanos: a short handler preempted once (a
  // busy machine) then costs one hand-off, not the ~30 it would take the
  // average to forget a multi-millisecond sample; a long handler still reads
  // as long again within two samples. It is stored only when it moves by more
  // than 1/64 of itself (a sample off by more than 1/8): every worker running
  // one handler would otherwise write its line on every invocation.
  const int64_t sample = std::min(took, kSampleCapNanos);
  const int64_t old = avg.load(std::memory_order_relaxed);
  const int64_t next = (old * 7 + sample) / 8;
  if (std::abs(next - old) * 64 > old) {
    avg.store(next, std::memory_order_relaxed);
  }
  if (checker_ != nullptr) checker_->End(job);
}

void Scheduler::PendingRowAdded(int row) {
  if (pending_in_row_[row]++ != 0) return;
  pending_row_slot_[row] = static_cast<int>(pending_rows_.size());
  pending_rows_.push_back(row);
}

void Scheduler::PendingRowRemoved(int row) {
  if (--pending_in_row_[row] != 0) return;
  const int slot = pending_row_slot_[row];
  pending_rows_[slot] = pending_rows_.back();
  pending_row_slot_[pending_rows_[slot]] = slot;
  pending_rows_.pop_back();
  pending_row_slot_[row] = -1;
}

bool Scheduler::AnyMayStartLocked() const {
  if (policy_ != Policy::kExact) return !ready_.empty();
  for (int row : pending_rows_) {
    bool held = false;
    for (const Running& r : running_) {
      if (matrix_->at(row, r.handler) & 1) {
        held = true;
        break;
      }
    }
    if (!held) return true;
  }
  return false;
}

void Scheduler::FinishedOne() {
  if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Taking the lock orders this with Drain's test of outstanding_, made
  // under it: Drain is either before its test or already waiting.
  { std::lock_guard<MeasuredMutex> lock(mu_); }
  drained_cv_.notify_all();
}

bool Scheduler::AdmitNowLocked(Job* job) {
  const int h = job->handler;
  job->exclusive = exclusive_row_[h];
  if (policy_ == Policy::kExact) {
    for (const Running& r : running_) {
      if (matrix_->Conflicts(h, job->ctx, r.handler, r.ctx)) return false;
    }
    int scanned = 0;
    for (Job* p = pending_.head; p != nullptr; p = p->next) {
      if (++scanned > kExactWindow) return false;
      if (matrix_->Conflicts(h, job->ctx, p->handler, p->ctx)) return false;
    }
    job->slot = static_cast<int>(running_.size());
    running_.push_back({h, job->ctx, job});
    return true;
  }
  if (exclusive_ || !gate_.empty()) return false;
  if (job->exclusive) {
    if (admitted_ != 0) return false;
    exclusive_ = true;
    ++admitted_;
    job->needs_hue = job->needs_color = false;
    return true;
  }
  job->needs_hue = has_global_[h];
  job->needs_color = has_context_[h];
  if (job->needs_hue && hues_[hue_[h]].busy) return false;
  if (job->needs_color) {
    auto it = colors_.find(job->ctx);
    if (it != colors_.end() && it->second.busy) return false;
  }
  ++admitted_;
  if (job->needs_hue) {
    hues_[hue_[h]].busy = true;
    hues_[hue_[h]].holder = h;
  }
  if (job->needs_color) {
    ColorState& color = colors_[job->ctx];
    color.busy = true;
    color.holder = h;
  }
  return true;
}

bool Scheduler::RunInline(Job* job) {
  const int h = job->handler;
  const bool cheap =
      exclusive_row_[h] ||
      avg_nanos_[h].load(std::memory_order_relaxed) <= kInlineNanos;
  // A handler that conflicts globally with itself runs one at a time anyway:
  // when nothing else is in flight, running it here saves the hand-off.
  if (!cheap && !self_global_[h]) return false;
  // One whose row conflicts with every handler could overlap nothing, but it
  // is taken here only when nothing at all is in flight (queued, running, or a
  // worker still finishing one): admission alone would let it start while a
  // worker is between CompleteLocked and finish, or ahead of invocations
  // waiting in hue queues.
  const bool needs_idle = !cheap || exclusive_row_[h];
  job->next = nullptr;
  job->blocked_by = -1;
  {
    std::lock_guard<MeasuredMutex> lock(mu_);
    if (stopping_ ||
        (needs_idle && outstanding_.load(std::memory_order_acquire) != 0) ||
        !AdmitNowLocked(job))
      return false;
    outstanding_.fetch_add(1, std::memory_order_relaxed);
  }
  job->ran_inline = true;
  Execute(job);
  bool wake;
  {
    std::lock_guard<MeasuredMutex> lock(mu_);
    CompleteLocked(job);
    wake = idle_ > 0 && AnyMayStartLocked();
  }
  if (wake) work_cv_.notify_one();
  job->finish(job);
  FinishedOne();
  return true;
}

void Scheduler::Submit(Job* job) {
  job->next = nullptr;
  job->blocked_by = -1;
  job->ran_inline = false;
  bool wake = false;
  bool blocked = false;    // Exact: a running invocation conflicts with it.
  bool no_worker = false;  // None could be started again.
  {
    std::lock_guard<MeasuredMutex> lock(mu_);
    outstanding_.fetch_add(1, std::memory_order_relaxed);
    backlog_.fetch_add(1, std::memory_order_relaxed);
    if (policy_ == Policy::kExact) {
      // Note at once what it waits for, so the wait is counted even if no
      // worker looks at it before the conflicting invocation ends.
      for (const Running& r : running_) {
        int kind =
            matrix_->ConflictKind(job->handler, job->ctx, r.handler, r.ctx);
        if (kind != 0) {
          NoteBlockedLocked(job, r.handler, kind);
          blocked = true;
          break;
        }
      }
      pending_.Push(job);
      PendingRowAdded(job->handler);
    } else {
      job->needs_hue = has_global_[job->handler];
      job->needs_color = has_context_[job->handler];
      const int unknown = matrix_->unknown();
      job->exclusive = false;
      if (exclusive_ || !gate_.empty()) {
        NoteBlockedLocked(job, unknown, 1);
        gate_.Push(job);
      } else if (job->handler == unknown) {
        job->exclusive = true;
        if (admitted_ == 0) {
          exclusive_ = true;
          ++admitted_;
          ready_.Push(job);
        } else {
          NoteBlockedLocked(job, unknown, 1);
          gate_.Push(job);
        }
      } else {
        ++admitted_;
        EnterHueLocked(job);
      }
    }
    // A job that must wait for a running one wakes nobody: the worker
    // finishing that one pops again before it lets go of the lock (WorkerLoop;
    // RunInline wakes one), so waking another would only see it blocked.
    wake =
        idle_ > 0 && (policy_ == Policy::kExact ? !blocked : !ready_.empty());
    // No worker idle and some retired: one more starts (and pops it).
    if (idle_ == 0 && live_workers_ < worker_count_) StartWorkerLocked();
    no_worker = live_workers_ == 0;
  }
  // Notified after the lock is released: a worker woken while the submitter
  // still holds it would at once block on it again. Submit runs on the thread
  // that later destroys the scheduler or inside a finish (whose job Drain still
  // counts), so the scheduler outlives this call.
  if (wake) work_cv_.notify_one();
  if (no_worker) RunQueuedHere();
}

void Scheduler::RunQueuedHere() {
  std::unique_lock<MeasuredMutex> lock(mu_);
  while (live_workers_ == 0) {
    Job* job = PopLocked();
    if (job == nullptr) return;
    backlog_.fetch_sub(1, std::memory_order_relaxed);
    lock.unlock();
    Execute(job);
    lock.lock();
    CompleteLocked(job);
    lock.unlock();
    job->finish(job);  // May re-submit (and run it here) or free the job.
    FinishedOne();
    lock.lock();
  }
}

void Scheduler::EnterHueLocked(Job* job) {
  if (!job->needs_hue) {
    EnterColorLocked(job);
    return;
  }
  HueState& hue = hues_[hue_[job->handler]];
  if (hue.busy) {
    NoteBlockedLocked(job, hue.holder, 1);
    hue.waiting.Push(job);
    return;
  }
  hue.busy = true;
  hue.holder = job->handler;
  EnterColorLocked(job);
}

void Scheduler::EnterColorLocked(Job* job) {
  if (job->needs_color) {
    ColorState& color = colors_[job->ctx];
    if (color.busy) {
      NoteBlockedLocked(job, color.holder, 2);
      color.waiting.Push(job);
      return;
    }
    color.busy = true;
    color.holder = job->handler;
  }
  RecordWaitLocked(job);
  ready_.Push(job);
}

void Scheduler::GateDrainLocked() {
  while (!gate_.empty() && !exclusive_) {
    Job* job = gate_.head;
    if (job->handler == matrix_->unknown()) {
      job->exclusive = true;
      if (admitted_ != 0) return;
      gate_.Pop();
      exclusive_ = true;
      ++admitted_;
      RecordWaitLocked(job);
      ready_.Push(job);
      return;
    }
    gate_.Pop();
    ++admitted_;
    EnterHueLocked(job);
  }
}

// Admits the first pending invocation that conflicts with no running one and
// with no earlier pending one (FIFO fairness: a waiting invocation is never
// overtaken by a later one it conflicts with, so nothing starves). Conflicts
// depend only on (handler, context), so a long queue is scanned cheaply:
// a job of a row already blocked by a global conflict, or of a (handler,
// context) class already seen blocked, is skipped in O(1); only the first job
// of each class is checked against the running set and earlier classes.
Job* Scheduler::PopExactLocked() {
  constexpr size_t kMaxClasses = 64;    // Distinct blocked classes examined.
  constexpr int kMaxScanned = 1 << 16;  // Bounds a pathological queue.
  reps_.clear();
  for (int row : touched_rows_) row_blocker_[row] = -1;
  touched_rows_.clear();
  auto block_row = [&](int row, int by) {
    if (row_blocker_[row] >= 0) return;
    row_blocker_[row] = by;
    touched_rows_.push_back(row);
  };
  Job* result = nullptr;
  Job* prev = nullptr;
  int scanned = 0;
  for (Job* job = pending_.head; job != nullptr && ++scanned <= kMaxScanned;
       prev = job, job = job->next) {
    const int h = job->handler;
    if (row_blocker_[h] >= 0) {  // Globally blocked row.
      NoteBlockedLocked(job, row_blocker_[h], 1);
      continue;
    }
    bool same_class = false;
    for (const Job* rep : reps_) {
      if (rep->handler == h && rep->ctx == job->ctx) {
        NoteBlockedLocked(job, rep->blocked_by >= 0 ? rep->blocked_by : h,
                          rep->blocked_kind > 0 ? rep->blocked_kind : 2);
        same_class = true;
        break;
      }
    }
    if (same_class) continue;
    int by = -1, kind = 0;
    for (const Running& r : running_) {
      kind = matrix_->ConflictKind(h, job->ctx, r.handler, r.ctx);
      if (kind != 0) {
        by = r.handler;
        break;
      }
    }
    for (size_t i = 0; kind == 0 && i < reps_.size(); ++i) {
      kind =
          matrix_->ConflictKind(h, job->ctx, reps_[i]->handler, reps_[i]->ctx);
      if (kind != 0) by = reps_[i]->handler;
    }
    // Rows blocked globally hold skipped jobs of any context: any conflict
    // with such a row may be with one of them (conservative).
    for (size_t i = 0; kind == 0 && i < touched_rows_.size(); ++i) {
      int m = matrix_->at(h, touched_rows_[i]);
      if (m != 0) {
        kind = (m & 1) ? 1 : 2;
        by = touched_rows_[i];
      }
    }
    if (kind == 0) {
      if (prev == nullptr) {
        pending_.head = job->next;
      } else {
        prev->next = job->next;
      }
      if (pending_.tail == job) pending_.tail = prev;
      job->next = nullptr;
      PendingRowRemoved(h);
      RecordWaitLocked(job);
      job->slot = static_cast<int>(running_.size());
      running_.push_back({h, job->ctx, job});
      result = job;
      break;
    }
    NoteBlockedLocked(job, by, kind);
    if (kind == 1) block_row(h, by);
    reps_.push_back(job);
    // An unknown handler conflicts with everything: nothing behind it may pass.
    if (h == matrix_->unknown() || reps_.size() >= kMaxClasses) break;
  }
  return result;
}

Job* Scheduler::PopLocked() {
  if (policy_ == Policy::kExact) return PopExactLocked();
  return ready_.Pop();
}

void Scheduler::CompleteLocked(Job* job) {
  if (policy_ == Policy::kExact) {
    int slot = job->slot;
    running_[slot] = running_.back();
    running_[slot].job->slot = slot;
    running_.pop_back();
    return;
  }
  if (job->needs_color) {
    auto it = colors_.find(job->ctx);
    Job* next = it->second.waiting.Pop();
    if (next != nullptr) {
      it->second.holder = next->handler;
      RecordWaitLocked(next);
      ready_.Push(next);
    } else {
      colors_.erase(it);
    }
  }
  if (job->needs_hue) {
    HueState& hue = hues_[hue_[job->handler]];
    Job* next = hue.waiting.Pop();
    if (next != nullptr) {
      hue.holder = next->handler;
      EnterColorLocked(next);
    } else {
      hue.busy = false;
    }
  }
  --admitted_;
  if (job->exclusive) exclusive_ = false;
  GateDrainLocked();
}

// A worker holds the lock once per invocation in a steady stream: completing
// one and taking the next happen in one critical section, and the finish (which
// may re-submit) runs outside it with the next job already in hand.
void Scheduler::WorkerLoop(int index) {
  t_worker_of = this;
  t_worker_index = index;
  // Bookkeeping of a job just popped, under the lock; true when another worker
  // should be woken for what remains.
  auto popped = [this]() {
    backlog_.fetch_sub(1, std::memory_order_relaxed);
    return idle_ > 0 && AnyMayStartLocked();
  };
  std::unique_lock<MeasuredMutex> lock(mu_);
  Job* job = nullptr;  // Popped and not yet run; the lock is not held.
  for (;;) {
    if (job == nullptr) {
      job = PopLocked();
      if (job == nullptr) {
        if (stopping_ && outstanding_.load(std::memory_order_acquire) == 0)
          return;
        ++idle_;
        const bool woken = mu_.WaitFor(work_cv_, kRetireAfter);
        --idle_;
        // Idle that long with nothing queued (so no queued invocation waits
        // for a worker to be woken): retire. The lock is held until the
        // thread has left WorkerLoop.
        if (!woken && !stopping_ &&
            backlog_.load(std::memory_order_relaxed) == 0) {
          // Detached: nothing joins a thread that retired (a process may
          // exit without freeing the runtime, and a finished thread left
          // unjoined is a leak); past this point it touches only the lock.
          threads_[index].detach();
          slot_live_[index] = false;
          --live_workers_;
          return;
        }
        continue;
      }
      const bool wake = popped();
      lock.unlock();
      if (wake) work_cv_.notify_one();
    }
    Execute(job);
    lock.lock();
    CompleteLocked(job);
    Job* next = PopLocked();
    const bool wake = next != nullptr && popped();
    lock.unlock();
    if (wake) work_cv_.notify_one();
    job->finish(job);  // May re-submit or free the job; never touched again.
    FinishedOne();
    job = next;
    if (job == nullptr) lock.lock();
  }
}

void Scheduler::Drain() {
  std::lock_guard<MeasuredMutex> lock(mu_);
  mu_.Wait(drained_cv_, [this] {
    return outstanding_.load(std::memory_order_acquire) == 0;
  });
}

LockStats Scheduler::lock_stats() const {
  std::lock_guard<MeasuredMutex> lock(mu_);
  return mu_.stats();
}

std::vector<ConstraintStat> Scheduler::Stats() const {
  std::lock_guard<MeasuredMutex> lock(mu_);
  std::vector<ConstraintStat> stats;
  const int size = matrix_->size();
  for (int a = 0; a < size; ++a) {
    for (int b = 0; b < size; ++b) {
      for (int kind = 1; kind <= 2; ++kind) {
        size_t index = (a * size + b) * 2 + kind - 1;
        if (waits_[index] == 0) continue;
        stats.push_back({a, b, kind, waits_[index], wait_nanos_[index]});
      }
    }
  }
  std::sort(stats.begin(), stats.end(),
            [](const ConstraintStat& x, const ConstraintStat& y) {
              return x.wait_nanos > y.wait_nanos;
            });
  return stats;
}

}  // namespace runtime
}  // namespace prism
