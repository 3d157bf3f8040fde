// The scheduler alone (no libevent, no sockets) against worker count: how many
// invocations per second it admits and runs, and what its lock costs per
// invocation (acquisitions, share contended, wait and hold time). Not a test:
// it asserts nothing.
//
// Each line keeps `contexts` invocations in flight: every context has one job,
// which its finish submits again at once (an event that is always ready), so
// the workers never wait for input and the scheduler's own cost is what
// limits the rate. Workloads:
//   independent   one handler conflicting only through its context, each
//                 context its own: everything may run in parallel
//   global        one handler conflicting globally with itself: one at a time
// each with handlers doing no work and doing ~2 us of work.
//
//   bazel run --config=opt //bench/runtime:scheduler_scaling_bench --
//     [--seconds=S] [--contexts=N] [--max-workers=W]
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lib/runtime/scheduler.h"

namespace {

using Clock = std::chrono::steady_clock;
using prism::runtime::ConflictMatrix;
using prism::runtime::Job;
using prism::runtime::LockStats;
using prism::runtime::Policy;
using prism::runtime::Scheduler;

std::atomic<bool> g_stop{false};
int64_t g_work_ns = 0;  // Read-only while handlers run.

// One context: its job and its own count, each on its own cache line so the
// benchmark adds no sharing of its own.
struct alignas(64) Context {
  Job job;
  Scheduler* scheduler = nullptr;
  uint64_t runs = 0;
};
static_assert(offsetof(Context, job) == 0, "a Job* is its Context*");

void Work() {
  if (g_work_ns <= 0) return;
  const auto end = Clock::now() + std::chrono::nanoseconds(g_work_ns);
  while (Clock::now() < end) {
  }
}

void RunJob(Job* job) {
  Context* context = reinterpret_cast<Context*>(job);
  ++context->runs;
  Work();
}

void FinishJob(Job* job) {
  Context* context = reinterpret_cast<Context*>(job);
  if (!g_stop.load(std::memory_order_relaxed)) context->scheduler->Submit(job);
}

struct Figures {
  double per_second = 0;
  LockStats lock;
  uint64_t invocations = 0;
};

Figures Measure(Policy policy, uint8_t cell, int workers, int contexts,
                double seconds) {
  const ConflictMatrix matrix(1, {cell});
  auto scheduler =
      std::make_unique<Scheduler>(policy, &matrix, workers, nullptr,
                                  /*measure_lock=*/true);
  std::vector<Context> all(contexts);
  g_stop = false;
  const auto start = Clock::now();
  for (Context& context : all) {
    context.scheduler = scheduler.get();
    context.job.run = RunJob;
    context.job.finish = FinishJob;
    context.job.handler = 0;
    context.job.ctx = &context;
    context.job.name = "bench";
    scheduler->Submit(&context.job);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  g_stop = true;
  scheduler->Drain();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  Figures figures;
  figures.lock = scheduler->lock_stats();
  for (const Context& context : all) figures.invocations += context.runs;
  figures.per_second = static_cast<double>(figures.invocations) / elapsed;
  return figures;
}

double Flag(int argc, char** argv, const char* name, double fallback) {
  const size_t length = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, length) == 0 && argv[i][length] == '=') {
      return std::atof(argv[i] + length + 1);
    }
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = Flag(argc, argv, "--seconds", 1.0);
  const int contexts = static_cast<int>(Flag(argc, argv, "--contexts", 64));
  const int max_workers =
      static_cast<int>(Flag(argc, argv, "--max-workers", 8));
  std::printf(
      "scheduler scaling: %d contexts always ready, %.1f s per line, %u "
      "hardware threads\n",
      contexts, seconds, std::thread::hardware_concurrency());
  std::printf("%-10s %-12s %-6s %7s %12s %8s %10s %9s %9s %9s\n", "policy",
              "workload", "work", "workers", "invocations/s", "vs 1",
              "locks/inv", "contended", "wait ns", "hold ns");
  struct Workload {
    const char* name;
    uint8_t cell;
  };
  const Workload workloads[] = {{"independent", 2}, {"global", 1}};
  const struct {
    const char* name;
    Policy policy;
  } policies[] = {{"exact", Policy::kExact}, {"huecolor", Policy::kHueColor}};
  for (const auto& policy : policies) {
    for (const Workload& workload : workloads) {
      for (const int64_t work_ns : {int64_t{0}, int64_t{2000}}) {
        g_work_ns = work_ns;
        double one_worker = 0;
        for (int workers = 1; workers <= max_workers; workers *= 2) {
          const Figures f =
              Measure(policy.policy, workload.cell, workers, contexts, seconds);
          if (workers == 1) one_worker = f.per_second;
          const double invocations =
              f.invocations == 0 ? 1.0 : static_cast<double>(f.invocations);
          std::printf(
              "%-10s %-12s %-6s %7d %12.0f %7.2fx %10.2f %8.1f%% %9.0f "
              "%9.0f\n",
              policy.name, workload.name, work_ns == 0 ? "none" : "2us",
              workers, f.per_second,
              one_worker > 0 ? f.per_second / one_worker : 0.0,
              static_cast<double>(f.lock.acquisitions) / invocations,
              f.lock.acquisitions == 0
                  ? 0.0
                  : 100.0 * static_cast<double>(f.lock.contended) /
                        static_cast<double>(f.lock.acquisitions),
              static_cast<double>(f.lock.wait_nanos) / invocations,
              static_cast<double>(f.lock.hold_nanos) / invocations);
          std::fflush(stdout);
        }
      }
    }
  }
  return 0;
}
