#include "lib/runtime/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace prism {
namespace runtime {
namespace {

std::mutex g_violation_mu;
std::vector<std::string> g_violations;

void RecordViolation(const std::string& report) {
  std::lock_guard<std::mutex> lock(g_violation_mu);
  g_violations.push_back(report);
}

std::vector<std::string> TakeViolations() {
  std::lock_guard<std::mutex> lock(g_violation_mu);
  return std::move(g_violations);
}

struct TestJob {
  Job job;  // First member.
  std::atomic<int>* finished;
  int spin_us;
  std::function<void()> body;
};

void RunTestJob(Job* job) {
  TestJob* t = reinterpret_cast<TestJob*>(job);
  if (t->body) t->body();
  if (t->spin_us > 0)
    std::this_thread::sleep_for(std::chrono::microseconds(t->spin_us));
}

void FinishTestJob(Job* job) {
  TestJob* t = reinterpret_cast<TestJob*>(job);
  t->finished->fetch_add(1);
}

std::unique_ptr<TestJob> MakeJob(int handler, const void* ctx,
                                 std::atomic<int>* finished, int spin_us = 0,
                                 std::function<void()> body = {}) {
  auto t = std::make_unique<TestJob>();
  t->job.run = RunTestJob;
  t->job.finish = FinishTestJob;
  t->job.handler = handler;
  t->job.ctx = ctx;
  t->job.name = "test";
  t->finished = finished;
  t->spin_us = spin_us;
  t->body = std::move(body);
  return t;
}

// Two parties meet or give up after a generous timeout: proves two invocations
// were running at the same time without asserting anything about timing.
class Rendezvous {
 public:
  bool Arrive() {
    std::unique_lock<std::mutex> lock(mu_);
    if (++arrived_ >= 2) {
      cv_.notify_all();
      return true;
    }
    return cv_.wait_for(lock, std::chrono::seconds(20),
                        [this] { return arrived_ >= 2; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
};

ConflictMatrix RandomMatrix(std::mt19937* rng, int n) {
  std::vector<uint8_t> cells(n * n);
  std::uniform_int_distribution<int> cell(0, 3);
  for (int a = 0; a < n; ++a) {
    for (int b = a; b < n; ++b) {
      // Bias towards fewer conflicts so parallelism actually happens.
      int v = cell(*rng);
      if ((*rng)() % 2) v = 0;
      cells[a * n + b] = cells[b * n + a] = static_cast<uint8_t>(v);
    }
  }
  return ConflictMatrix(n, cells);
}

class SchedulerTest : public ::testing::TestWithParam<Policy> {};

TEST_P(SchedulerTest, RandomMatricesNeverOverlapConflictingInvocations) {
  std::mt19937 rng(1234);
  int contexts[4];
  for (int round = 0; round < 12; ++round) {
    const int n = 2 + round % 5;
    ConflictMatrix matrix = RandomMatrix(&rng, n);
    Checker checker(&matrix);
    checker.set_on_violation(RecordViolation);
    std::atomic<int> finished{0};
    std::vector<std::unique_ptr<TestJob>> jobs;
    const int kJobs = 300;
    for (int i = 0; i < kJobs; ++i) {
      // Mostly known handlers, sometimes one the constraints do not name.
      int handler =
          rng() % 10 == 0 ? matrix.unknown() : static_cast<int>(rng() % n);
      jobs.push_back(
          MakeJob(handler, &contexts[rng() % 4], &finished, rng() % 30));
    }
    {
      Scheduler scheduler(GetParam(), &matrix, 4, &checker);
      // Random arrival order, from two submitting threads at once.
      std::thread other([&] {
        for (int i = 1; i < kJobs; i += 2) scheduler.Submit(&jobs[i]->job);
      });
      for (int i = 0; i < kJobs; i += 2) scheduler.Submit(&jobs[i]->job);
      other.join();
      scheduler.Drain();
      EXPECT_EQ(finished.load(), kJobs);
    }
    EXPECT_EQ(checker.invocations(), static_cast<uint64_t>(kJobs));
    std::vector<std::string> violations = TakeViolations();
    EXPECT_TRUE(violations.empty())
        << "round " << round << ": " << violations.front();
  }
}

// The seed's example: A and B share a global (never concurrent), C and D share
// their context (concurrent only on different contexts), nothing else
// conflicts.
enum { A, B, C, D };
ConflictMatrix SeedMatrix() {
  std::vector<uint8_t> cells(16, 0);
  auto set = [&](int a, int b, uint8_t v) {
    cells[a * 4 + b] = cells[b * 4 + a] = v;
  };
  set(A, B, 1);
  set(C, D, 2);
  set(C, C, 2);
  set(D, D, 2);
  return ConflictMatrix(4, cells);
}

struct Pair {
  int a;
  int ca;
  int b;
  int cb;
};

TEST_P(SchedulerTest, SeedExampleAllowedPairsRunTogether) {
  ConflictMatrix matrix = SeedMatrix();
  Checker checker(&matrix);
  checker.set_on_violation(RecordViolation);
  int ctx[2];
  std::vector<Pair> allowed = {{A, 0, C, 0}, {A, 0, D, 1}, {B, 0, C, 1},
                               {B, 1, D, 0}, {C, 0, D, 1}, {C, 0, C, 1},
                               {D, 0, D, 1}};
  if (GetParam() == Policy::kExact) {
    // A with itself: no conflict. Hue/color serializes a hue, so only exact
    // finds this one.
    allowed.push_back({A, 0, A, 1});
  }
  Scheduler scheduler(GetParam(), &matrix, 2, &checker);
  for (const Pair& p : allowed) {
    Rendezvous meet;
    std::atomic<int> finished{0}, met{0};
    auto body = [&] { met += meet.Arrive() ? 1 : 0; };
    auto first = MakeJob(p.a, &ctx[p.ca], &finished, 0, body);
    auto second = MakeJob(p.b, &ctx[p.cb], &finished, 0, body);
    scheduler.Submit(&first->job);
    scheduler.Submit(&second->job);
    scheduler.Drain();
    EXPECT_EQ(met.load(), 2)
        << "pair " << p.a << "/" << p.b << " did not run concurrently";
    EXPECT_TRUE(checker.Overlapped(p.a, p.b));
  }
  EXPECT_TRUE(TakeViolations().empty());
}

TEST_P(SchedulerTest, SeedExampleConflictingPairsNeverOverlap) {
  ConflictMatrix matrix = SeedMatrix();
  Checker checker(&matrix);
  checker.set_on_violation(RecordViolation);
  int ctx[2];
  std::atomic<int> finished{0};
  std::vector<std::unique_ptr<TestJob>> jobs;
  std::mt19937 rng(7);
  for (int i = 0; i < 400; ++i) {
    jobs.push_back(
        MakeJob(static_cast<int>(rng() % 4), &ctx[rng() % 2], &finished, 20));
  }
  {
    Scheduler scheduler(GetParam(), &matrix, 4, &checker);
    for (auto& j : jobs) scheduler.Submit(&j->job);
  }
  EXPECT_EQ(finished.load(), 400);
  EXPECT_TRUE(TakeViolations().empty());
  EXPECT_FALSE(checker.Overlapped(A, B));
}

TEST_P(SchedulerTest, ConflictingLaterArrivalsDoNotOvertake) {
  // X conflicts with Y globally; X with itself not at all. With X1 running, Y
  // waits; the X jobs after Y must not overtake it (no starvation of Y).
  std::vector<uint8_t> cells = {0, 1, 1, 0};
  ConflictMatrix matrix(2, cells);
  const int X = 0, Y = 1;
  std::atomic<int> finished{0};
  std::mutex order_mu;
  std::vector<int> order;
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  auto first = MakeJob(X, nullptr, &finished, 0, [&] {
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [&] { return open; });
  });
  auto y = MakeJob(Y, nullptr, &finished, 0, [&] {
    std::lock_guard<std::mutex> lock(order_mu);
    order.push_back(Y);
  });
  std::vector<std::unique_ptr<TestJob>> later;
  for (int i = 0; i < 10; ++i) {
    later.push_back(MakeJob(X, nullptr, &finished, 0, [&] {
      std::lock_guard<std::mutex> lock(order_mu);
      order.push_back(X);
    }));
  }
  {
    Scheduler scheduler(GetParam(), &matrix, 2, nullptr);
    scheduler.Submit(&first->job);
    scheduler.Submit(&y->job);
    for (auto& j : later) scheduler.Submit(&j->job);
    {
      std::lock_guard<std::mutex> lock(gate_mu);
      open = true;
    }
    gate_cv.notify_all();
  }
  ASSERT_EQ(order.size(), 11u);
  EXPECT_EQ(order.front(), Y);
}

TEST_P(SchedulerTest, TelemetryCountsWaitsPerConstraint) {
  ConflictMatrix matrix = SeedMatrix();
  std::atomic<int> finished{0};
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<bool> b_started{false};
  auto b = MakeJob(B, nullptr, &finished, 0, [&] {
    b_started = true;
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [&] { return open; });
  });
  auto a = MakeJob(A, nullptr, &finished);
  Scheduler scheduler(GetParam(), &matrix, 2, nullptr);
  scheduler.Submit(&b->job);
  while (!b_started) std::this_thread::yield();
  scheduler.Submit(&a->job);
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  scheduler.Drain();
  std::vector<ConstraintStat> stats = scheduler.Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].waiting, A);
  EXPECT_EQ(stats[0].running, B);
  EXPECT_EQ(stats[0].kind, 1);
  EXPECT_EQ(stats[0].waits, 1u);
}

// Holds a worker in an invocation's finish step: the scheduler has released
// the invocation (CompleteLocked) but it is still in flight.
std::atomic<bool> g_finish_entered{false};
std::atomic<bool> g_finish_may_return{false};
void FinishWhenReleased(Job* job) {
  g_finish_entered = true;
  while (!g_finish_may_return) std::this_thread::yield();
  FinishTestJob(job);
}

TEST_P(SchedulerTest, RunsInlineOnlyWhenAdmissible) {
  // Row 0 conflicts with everything: inline when idle, never beside a running
  // invocation, nor while a worker is still finishing one.
  std::vector<uint8_t> cells = {1, 1, 1, 0};
  ConflictMatrix matrix(2, cells);
  Checker checker(&matrix);
  checker.set_on_violation(RecordViolation);
  std::atomic<int> finished{0};
  std::thread::id ran_on;
  auto exclusive = MakeJob(0, nullptr, &finished, 0,
                           [&] { ran_on = std::this_thread::get_id(); });
  Scheduler scheduler(GetParam(), &matrix, 2, &checker);
  ASSERT_TRUE(scheduler.RunInline(&exclusive->job));
  EXPECT_TRUE(exclusive->job.ran_inline);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(finished.load(), 1);

  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<bool> started{false};
  auto other = MakeJob(1, nullptr, &finished, 0, [&] {
    started = true;
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [&] { return open; });
  });
  scheduler.Submit(&other->job);
  while (!started) std::this_thread::yield();
  auto again = MakeJob(0, nullptr, &finished);
  EXPECT_FALSE(scheduler.RunInline(&again->job));
  {
    std::lock_guard<std::mutex> lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  scheduler.Drain();

  g_finish_entered = false;
  g_finish_may_return = false;
  auto finishing = MakeJob(1, nullptr, &finished);
  finishing->job.finish = FinishWhenReleased;
  scheduler.Submit(&finishing->job);
  while (!g_finish_entered) std::this_thread::yield();
  EXPECT_FALSE(scheduler.RunInline(&again->job));
  EXPECT_FALSE(again->job.ran_inline);
  g_finish_may_return = true;
  scheduler.Drain();
  EXPECT_TRUE(scheduler.RunInline(&again->job));  // Nothing in flight again.
  EXPECT_EQ(finished.load(), 4);
  EXPECT_TRUE(TakeViolations().empty());
}

TEST_P(SchedulerTest, AdmissibleInvocationIsNotStuckBehindManyBlockedOnes) {
  // Row 0 (L) conflicts globally with row 1 (Q) and by context with row 2 (R);
  // row 3 (T) conflicts with nothing. L runs until T has run beside it.
  std::vector<uint8_t> cells = {0, 1, 2, 0,  //
                                1, 0, 0, 0,  //
                                2, 0, 0, 0,  //
                                0, 0, 0, 0};
  ConflictMatrix matrix(4, cells);
  Checker checker(&matrix);
  checker.set_on_violation(RecordViolation);
  std::atomic<int> finished{0};
  Rendezvous meet;
  std::atomic<int> met{0};
  int ctx[300];
  auto body = [&] { met += meet.Arrive() ? 1 : 0; };
  auto l = MakeJob(0, &ctx[0], &finished, 0, body);
  std::vector<std::unique_ptr<TestJob>> blocked;
  for (int i = 0; i < 200; ++i)
    blocked.push_back(MakeJob(1, &ctx[i], &finished));
  for (int i = 0; i < 100; ++i)
    blocked.push_back(MakeJob(2, &ctx[0], &finished));
  auto t = MakeJob(3, &ctx[0], &finished, 0, body);
  Scheduler scheduler(GetParam(), &matrix, 2, &checker);
  scheduler.Submit(&l->job);
  for (auto& j : blocked) scheduler.Submit(&j->job);
  scheduler.Submit(&t->job);
  scheduler.Drain();
  EXPECT_EQ(met.load(), 2) << "T did not run beside L";
  EXPECT_EQ(finished.load(), 302);
  EXPECT_TRUE(TakeViolations().empty());
}

// Exact only: hue/color puts L, A and B in one hue (one at a time).
// A handler's run time is sampled once in kTimingPeriod invocations while it
// reads as short; one that turns long must still stop running inline within
// a few samples (the hand-off pays for it then), and its run time in the
// telemetry must cover what it ran.
TEST_P(SchedulerTest, HandlerThatTurnsLongStopsRunningInline) {
  std::vector<uint8_t> cells = {0, 0, 0, 0};  // Independent handlers.
  ConflictMatrix matrix(2, cells);
  std::atomic<int> finished{0};
  Scheduler scheduler(GetParam(), &matrix, 2, nullptr);
  bool long_now = false;
  auto job = MakeJob(0, nullptr, &finished, 0, [&] {
    if (long_now) std::this_thread::sleep_for(std::chrono::microseconds(500));
  });
  // Unknown handlers read as long: a few hand-offs teach the average.
  int inline_runs = 0;
  for (int i = 0; i < 200; ++i) {
    if (scheduler.RunInline(&job->job)) {
      ++inline_runs;
    } else {
      scheduler.Submit(&job->job);
      scheduler.Drain();
    }
  }
  EXPECT_GT(inline_runs, 100);  // A no-op handler runs inline.
  long_now = true;
  int inline_while_long = 0;
  for (int i = 0; i < 4 * static_cast<int>(Scheduler::kTimingPeriod); ++i) {
    if (!scheduler.RunInline(&job->job)) break;
    ++inline_while_long;
  }
  // Within two samples (one capped sample may leave the average just at the
  // threshold).
  EXPECT_LE(inline_while_long,
            2 * static_cast<int>(Scheduler::kTimingPeriod) + 1);
  scheduler.Drain();
  // At least the sampled long invocation (500 us) is in the run time.
  EXPECT_GE(scheduler.RunNanos(0), 500000u);
  EXPECT_EQ(scheduler.Invocations(0), static_cast<uint64_t>(finished.load()));
}

TEST(ExactSchedulerTest, InvocationsFreedByOneCompletionRunTogether) {
  // Row 0 (L) conflicts globally with row 1 (A, B); A and B conflict only
  // through a context they do not share. Submitted while L runs, A and B wake
  // no worker (L blocks them); when L ends, its worker takes one and must wake
  // the other worker for the second: they meet only if both run at once.
  // Row 2 (the warm-up) conflicts with nothing.
  std::vector<uint8_t> cells = {0, 1, 0,  //
                                1, 2, 0,  //
                                0, 0, 0};
  ConflictMatrix matrix(3, cells);
  Checker checker(&matrix);
  checker.set_on_violation(RecordViolation);
  std::atomic<int> finished{0};
  std::atomic<bool> release{false};
  std::atomic<bool> l_started{false};
  Rendezvous meet;
  std::atomic<int> met{0};
  int ctx[3];
  auto l = MakeJob(0, &ctx[0], &finished, 0, [&] {
    l_started = true;
    while (!release) std::this_thread::yield();
  });
  auto body = [&] { met += meet.Arrive() ? 1 : 0; };
  auto a = MakeJob(1, &ctx[1], &finished, 0, body);
  auto b = MakeJob(1, &ctx[2], &finished, 0, body);
  Scheduler scheduler(Policy::kExact, &matrix, 2, &checker);
  // Both workers run (they meet) and go idle first, so that B is left to a
  // wake-up rather than to a worker that happens to be starting.
  Rendezvous warm;
  auto warm_body = [&] { warm.Arrive(); };
  auto w1 = MakeJob(2, &ctx[1], &finished, 0, warm_body);
  auto w2 = MakeJob(2, &ctx[2], &finished, 0, warm_body);
  scheduler.Submit(&w1->job);
  scheduler.Submit(&w2->job);
  scheduler.Drain();
  scheduler.Submit(&l->job);
  while (!l_started) std::this_thread::yield();
  scheduler.Submit(&a->job);
  scheduler.Submit(&b->job);
  release = true;
  scheduler.Drain();
  EXPECT_EQ(met.load(), 2) << "A and B did not run together after L";
  EXPECT_EQ(finished.load(), 5);
  EXPECT_EQ(scheduler.Invocations(0) + scheduler.Invocations(1), 3u);
  EXPECT_EQ(scheduler.Invocations(2), 2u);
  EXPECT_TRUE(TakeViolations().empty());
}

TEST_P(SchedulerTest, LockIsMeasuredOnlyWhenAsked) {
  ConflictMatrix matrix(1, {2});
  std::atomic<int> finished{0};
  int ctx[8];
  std::vector<std::unique_ptr<TestJob>> jobs;
  for (int i = 0; i < 8; ++i) jobs.push_back(MakeJob(0, &ctx[i], &finished));
  Scheduler measured(GetParam(), &matrix, 2, nullptr, /*measure_lock=*/true);
  for (auto& j : jobs) measured.Submit(&j->job);
  measured.Drain();
  const LockStats stats = measured.lock_stats();
  // Every invocation is submitted under the lock and completed under it.
  EXPECT_GE(stats.acquisitions, 16u);
  EXPECT_GT(stats.hold_nanos, 0u);
  EXPECT_LE(stats.contended, stats.acquisitions);
  Scheduler plain(GetParam(), &matrix, 2, nullptr);
  EXPECT_EQ(plain.lock_stats().acquisitions, 0u);
  EXPECT_EQ(finished.load(), 8);
}

// Waits (up to a generous deadline) until no worker is left: they retire
// after kRetireAfter idle with nothing queued.
bool AllWorkersRetire(const Scheduler& scheduler) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (scheduler.live_workers() != 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(Scheduler::kRetireAfter / 4);
  }
  return true;
}

TEST_P(SchedulerTest, IdleWorkersRetireAndAHandOffStartsThemAgain) {
  std::vector<uint8_t> cells = {0, 0, 0, 0};  // Independent handlers.
  ConflictMatrix matrix(2, cells);
  std::atomic<int> finished{0};
  Scheduler scheduler(GetParam(), &matrix, 2, nullptr);
  EXPECT_EQ(scheduler.live_workers(), 2);
  ASSERT_TRUE(AllWorkersRetire(scheduler));
  EXPECT_EQ(scheduler.workers(), 2);  // What it may use stays.

  // Two invocations that must meet: both retired workers come back.
  Rendezvous both;
  std::atomic<int> met{0};
  auto a = MakeJob(0, nullptr, &finished, 0, [&] { met += both.Arrive(); });
  auto b = MakeJob(1, nullptr, &finished, 0, [&] { met += both.Arrive(); });
  const std::thread::id submitter = std::this_thread::get_id();
  std::thread::id ran_on;
  auto c = MakeJob(0, nullptr, &finished, 0,
                   [&] { ran_on = std::this_thread::get_id(); });
  scheduler.Submit(&a->job);
  scheduler.Submit(&b->job);
  scheduler.Drain();
  EXPECT_EQ(met.load(), 2);
  scheduler.Submit(&c->job);
  scheduler.Drain();
  EXPECT_EQ(finished.load(), 3);
  EXPECT_NE(ran_on, submitter);
}

// With every worker retired, an invocation queued behind one running inline
// (a context conflict on one context) still runs once that one ends.
TEST_P(SchedulerTest, QueuedBehindAnInlineRunWithNoWorkerLeftStillRuns) {
  std::vector<uint8_t> cells = {2};  // Conflicts with itself per context.
  ConflictMatrix matrix(1, cells);
  std::atomic<int> finished{0};
  Scheduler scheduler(GetParam(), &matrix, 2, nullptr);
  // Unmeasured handlers read as long: hand-offs of a no-op teach the average
  // until it runs inline.
  std::atomic<int> warm_finished{0};
  auto warm = MakeJob(0, nullptr, &warm_finished);
  bool ran_inline = false;
  for (int i = 0; i < 1000 && !ran_inline; ++i) {
    ran_inline = scheduler.RunInline(&warm->job);
    if (!ran_inline) {
      scheduler.Submit(&warm->job);
      scheduler.Drain();
    }
  }
  ASSERT_TRUE(ran_inline);
  ASSERT_TRUE(AllWorkersRetire(scheduler));
  int ctx = 0;
  auto queued = MakeJob(0, &ctx, &finished);
  auto inline_run =
      MakeJob(0, &ctx, &finished, 0, [&] { scheduler.Submit(&queued->job); });
  ASSERT_TRUE(scheduler.RunInline(&inline_run->job));
  scheduler.Drain();
  EXPECT_EQ(finished.load(), 2);
  EXPECT_FALSE(queued->job.ran_inline);
}

INSTANTIATE_TEST_SUITE_P(Policies, SchedulerTest,
                         ::testing::Values(Policy::kExact, Policy::kHueColor),
                         [](const ::testing::TestParamInfo<Policy>& info) {
                           return info.param == Policy::kExact ? "Exact"
                                                               : "HueColor";
                         });

TEST(CheckerTest, ReportsConflictingOverlapWithBothHandlers) {
  ConflictMatrix matrix = SeedMatrix();
  Checker checker(&matrix);
  checker.set_on_violation(RecordViolation);
  int ctx;
  Job a, c1, d1;
  a.handler = A;
  a.name = "handle_a";
  c1.handler = C;
  c1.name = "handle_c";
  c1.ctx = &ctx;
  d1.handler = D;
  d1.name = "handle_d";
  d1.ctx = &ctx;
  checker.Start(&a);
  checker.Start(&c1);  // A and C: fine.
  EXPECT_TRUE(TakeViolations().empty());
  std::thread([&] {
    checker.Start(&d1);
  }).join();  // D on C's context: a violation.
  std::vector<std::string> violations = TakeViolations();
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_NE(violations[0].find("handle_d"), std::string::npos) << violations[0];
  EXPECT_NE(violations[0].find("handle_c"), std::string::npos) << violations[0];
  EXPECT_NE(violations[0].find("context"), std::string::npos) << violations[0];
}

void OverlapAandB() {
  ConflictMatrix matrix = SeedMatrix();
  Checker checker(&matrix);
  Job a, b;
  a.handler = A;
  a.name = "handle_a";
  b.handler = B;
  b.name = "handle_b";
  checker.Start(&a);
  checker.Start(&b);
}

TEST(CheckerDeathTest, AbortsOnConflictingOverlap) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(OverlapAandB(),
               "conflicting handlers overlapped: 'handle_b'.*'handle_a'");
}

TEST(ConflictMatrixTest, UnknownConflictsWithEverything) {
  ConflictMatrix matrix = SeedMatrix();
  int x, y;
  for (int h = 0; h < matrix.size(); ++h) {
    EXPECT_TRUE(matrix.Conflicts(matrix.unknown(), &x, h, &y));
  }
  EXPECT_FALSE(matrix.Conflicts(C, &x, D, &y));
  EXPECT_TRUE(matrix.Conflicts(C, &x, D, &x));
  std::vector<int> hues = matrix.Hues();
  EXPECT_EQ(hues[A], hues[B]);
  EXPECT_NE(hues[A], hues[C]);
  EXPECT_NE(hues[C], hues[D]);
  EXPECT_NE(hues[A], hues[matrix.unknown()]);
}

}  // namespace
}  // namespace runtime
}  // namespace prism
