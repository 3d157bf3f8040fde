// Runtime benchmark: the same libevent program (ping_pong.h) run side by side
// on plain libevent and on the Prism runtime, printing events per second and
// their ratios. Not a test: it asserts nothing.
//
// With --preload=PATH (libprism-preload.so) and --child=PATH (ping_pong_child),
// each parallel line also runs the program unmodified under the preloaded
// runtime, as `prism run` would: ping_pong_child is plain libevent, started
// with LD_PRELOAD and PRISM_CONSTRAINTS, its handlers identified by symbol.
//
//   bazel run --config=opt //bench/runtime:runtime_bench -- [--seconds=S]
//   [--pairs=P] [--repeats=N] [--only=TEXT] [--preload=PATH --child=PATH]
#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/runtime/ping_pong.h"
#include "lib/runtime/test_constraints.h"
#include "prism/runtime.h"

namespace {

using ping_pong::AllPing;
using ping_pong::CpuSeconds;
using ping_pong::Mixed;

struct Result {
  double events_per_second;
  std::string mode;
  double cpu_us_per_event =
      0;  // User + system CPU of the whole process per event.
};

Result Run(int scheduler, const std::string& constraints, int pairs,
           double seconds, int (*handler_of)(int)) {
  event_config* cfg = event_config_new();
  if (scheduler < 0) event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
  event_base* base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  prism_runtime* rt = nullptr;
  if (scheduler >= 0) {
    prism_options o;
    prism_options_init(&o);
    o.constraints_path = constraints.c_str();
    o.scheduler = static_cast<prism_scheduler>(scheduler);
    o.check = -1;
    rt = prism_runtime_new(base, &o);
    if (rt == nullptr) std::exit(1);
  }
  const ping_pong::Outcome outcome = ping_pong::Play(
      base, pairs, seconds, handler_of,
      [base, rt](int fd, int handler, ping_pong::Pair* pair) {
        return rt != nullptr
                   ? prism_event_new_named(
                         rt, fd, EV_READ | EV_PERSIST,
                         ping_pong::kHandlerFunctions[handler], pair,
                         ping_pong::kHandlerNames[handler],
                         ping_pong::kHandlerFile)
                   : event_new(base, fd, EV_READ | EV_PERSIST,
                               ping_pong::kHandlerFunctions[handler], pair);
      },
      [rt] { prism_runtime_drain(rt); });
  Result r{outcome.events_per_second,
           rt != nullptr ? prism_runtime_mode(rt) : "libevent"};
  r.cpu_us_per_event = outcome.cpu_us_per_event;
  prism_runtime_free(rt);
  event_base_free(base);
  return r;
}

// The machine's own ceiling for independent work: the same pairs split over one
// plain libevent loop per core, each in its own thread (what a hand-threaded
// server would do).
Result RunHandThreaded(int pairs, double seconds, int threads) {
  std::vector<std::thread> ts;
  std::vector<Result> results(threads);
  int per = pairs / threads;
  double cpu_start = CpuSeconds();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      results[t] =
          Run(-1, "", per + (t < pairs % threads ? 1 : 0), seconds, AllPing);
    });
  }
  for (std::thread& t : ts) t.join();
  Result r{0, "threaded"};
  for (const Result& x : results) r.events_per_second += x.events_per_second;
  r.cpu_us_per_event =
      (CpuSeconds() - cpu_start) * 1e6 / (r.events_per_second * seconds);
  return r;
}

// For this program, or (`binary`) for another one: constraints name the
// build-id of the binary they were made for.
std::string Constraints(const std::string& name, std::vector<uint8_t> cells,
                        const char* binary = nullptr) {
  std::vector<prism::runtime::TestHandler> handlers;
  for (int h = 0; h < ping_pong::kHandlers; ++h) {
    handlers.push_back({ping_pong::kHandlerNames[h], ping_pong::kHandlerFile});
  }
  prism::v1::ConstraintSet set =
      prism::runtime::MakeConstraintSet(handlers, cells);
  if (binary != nullptr) {
    absl::StatusOr<std::string> id = prism::ReadGnuBuildId(binary);
    set.set_build_id(id.ok() ? *id : "");
  }
  return prism::runtime::WriteConstraintFile(name, set);
}

// A 5x5 matrix with on_ping's self cell set to `ping` and the seed's A..D
// pattern: A-B global, C-D and C-C, D-D context.
std::vector<uint8_t> Matrix(uint8_t ping) {
  std::vector<uint8_t> m(25, 0);
  auto set = [&](int a, int b, uint8_t v) { m[a * 5 + b] = m[b * 5 + a] = v; };
  set(0, 0, ping);
  set(1, 2, 1);
  set(3, 4, 2);
  set(3, 3, 2);
  set(4, 4, 2);
  return m;
}

void Line(const char* what, const Result& base, const Result& rt);

// The machine is shared: each side runs --repeats times, alternating, and the
// best run of each counts (the least disturbed one).
int g_repeats = 3;

const char* g_only = nullptr;  // --only=SUBSTRING: run only the matching lines.

const char* g_preload = nullptr;  // --preload=PATH
const char* g_child = nullptr;    // --child=PATH: ping_pong_child

// The plain program under the preloaded runtime, in a child process: the
// child's stdout says its rate, its stderr the runtime's mode.
Result RunPreloaded(const char* scheduler, const std::string& constraints,
                    int pairs, double seconds, bool mixed) {
  const std::string command =
      "LD_PRELOAD='" + std::string(g_preload) +
      "' PRISM_SCHEDULER=" + scheduler + " PRISM_CONSTRAINTS='" + constraints +
      "' '" + g_child + "' --seconds=" + std::to_string(seconds) +
      " --pairs=" + std::to_string(pairs) +
      " --spin-ns=" + std::to_string(ping_pong::g_spin_ns) +
      (mixed ? " --mixed" : "") + " 2>&1";
  Result r{0, "preload?"};
  FILE* child = popen(command.c_str(), "r");
  if (child == nullptr) return r;
  char line[512];
  while (std::fgets(line, sizeof line, child) != nullptr) {
    double rate = 0, cpu = 0;
    if (std::sscanf(line, "child %lf ev/s %lf cpu-us/ev", &rate, &cpu) == 2) {
      r.events_per_second = rate;
      r.cpu_us_per_event = cpu;
    }
    if (const char* under = std::strstr(line, "runs under the runtime: ")) {
      char mode[32] = "";
      if (std::sscanf(under + 24, "%31[a-z]", mode) == 1)
        r.mode = std::string("run:") + mode;
    }
  }
  if (pclose(child) != 0) r.events_per_second = 0;
  return r;
}

// One line: plain libevent against `other`, alternating --repeats times, the
// best run of each side counting.
void CompareWith(const char* what, int pairs, double seconds,
                 int (*handler_of)(int), const std::function<Result()>& other) {
  if (g_only != nullptr && std::strstr(what, g_only) == nullptr) return;
  Result best_plain{0, "libevent"}, best_other{0, ""};
  for (int i = 0; i < g_repeats; ++i) {
    Result plain = Run(-1, "", pairs, seconds, handler_of);
    Result run = other();
    if (plain.events_per_second > best_plain.events_per_second)
      best_plain = plain;
    if (run.events_per_second >= best_other.events_per_second) best_other = run;
  }
  Line(what, best_plain, best_other);
}

void Compare(const char* what, int scheduler, const std::string& constraints,
             int pairs, double seconds, int (*handler_of)(int)) {
  CompareWith(what, pairs, seconds, handler_of, [&] {
    return Run(scheduler, constraints, pairs, seconds, handler_of);
  });
}

// The line again with the plain program preloaded (`prism run`), when asked.
void ComparePreloaded(const char* what, const char* scheduler,
                      const std::string& constraints, int pairs, double seconds,
                      int (*handler_of)(int)) {
  if (g_preload == nullptr || g_child == nullptr) return;
  CompareWith(what, pairs, seconds, handler_of, [&] {
    return RunPreloaded(scheduler, constraints, pairs, seconds,
                        handler_of != AllPing);
  });
}

void Line(const char* what, const Result& base, const Result& rt) {
  std::printf(
      "%-42s libevent %8.0f ev/s %5.1f cpu-us/ev | %-8s %8.0f ev/s %5.1f "
      "cpu-us/ev | "
      "ratio %.2fx\n",
      what, base.events_per_second, base.cpu_us_per_event, rt.mode.c_str(),
      rt.events_per_second, rt.cpu_us_per_event,
      rt.events_per_second / base.events_per_second);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;
  int pairs = 32;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = std::atof(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--only=", 7) == 0) {
      g_only = argv[i] + 7;
    } else if (std::strncmp(argv[i], "--repeats=", 10) == 0) {
      g_repeats = std::atoi(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--pairs=", 8) == 0) {
      pairs = std::atoi(argv[i] + 8);
    } else if (std::strncmp(argv[i], "--preload=", 10) == 0) {
      g_preload = argv[i] + 10;
    } else if (std::strncmp(argv[i], "--child=", 8) == 0) {
      g_child = argv[i] + 8;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds=S] [--pairs=P] [--repeats=N] "
                   "[--only=TEXT] [--preload=PATH --child=PATH]\n",
                   argv[0]);
      return 2;
    }
  }
  for (const char* path : {g_preload, g_child}) {
    if (path != nullptr && access(path, R_OK) != 0) {
      std::fprintf(stderr, "runtime_bench: cannot read %s\n", path);
      return 2;
    }
  }
  if ((g_preload == nullptr) != (g_child == nullptr)) {
    std::fprintf(stderr, "runtime_bench: --preload and --child go together\n");
    return 2;
  }
  if (seconds <= 0 || pairs <= 0) {
    std::fprintf(stderr,
                 "runtime_bench: --seconds and --pairs must be positive\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  evthread_use_pthreads();
  if (std::getenv("TEST_TMPDIR") == nullptr) setenv("TEST_TMPDIR", "/tmp", 1);
  std::string independent = Constraints("bench-independent.pb", Matrix(2));
  std::string conflicting =
      Constraints("bench-conflicting.pb", std::vector<uint8_t>(25, 1));
  std::string self_conflicting = Constraints("bench-self.pb", Matrix(1));
  const std::string child_independent =
      Constraints("bench-child-independent.pb", Matrix(2), g_child);
  const std::string child_conflicting = Constraints(
      "bench-child-conflicting.pb", std::vector<uint8_t>(25, 1), g_child);
  unsigned cores = std::thread::hardware_concurrency();
  std::printf(
      "Prism runtime benchmark: %d ping-pong pairs, %.1f s per run, %u cores, "
      "%s workers\n",
      pairs, seconds, cores,
      std::getenv("PRISM_WORKERS") ? std::getenv("PRISM_WORKERS")
                                   : "default (= cores)");

  ping_pong::g_spin_ns = 0;
  Compare("no-op handlers, independent contexts", PRISM_SCHEDULER_EXACT,
          independent, pairs, seconds, AllPing);
  ComparePreloaded("no-op handlers, independent contexts", "exact",
                   child_independent, pairs, seconds, AllPing);
  Compare("no-op handlers, all conflicting", PRISM_SCHEDULER_EXACT, conflicting,
          pairs, seconds, AllPing);
  ComparePreloaded("no-op handlers, all conflicting", "exact",
                   child_conflicting, pairs, seconds, AllPing);
  // The floor a parallel mode starts from: plain libevent on a base with
  // locks (what the runtime needs), i.e. the runtime in serial mode.
  Compare("no-op handlers, locked base (serial)", PRISM_SCHEDULER_SERIAL,
          independent, pairs, seconds, AllPing);
  ping_pong::g_spin_ns = 50000;
  Compare("50us handlers, independent contexts", PRISM_SCHEDULER_EXACT,
          independent, pairs, seconds, AllPing);
  ComparePreloaded("50us handlers, independent contexts", "exact",
                   child_independent, pairs, seconds, AllPing);
  CompareWith(
      "50us handlers, hand-threaded ceiling", pairs, seconds, AllPing,
      [&] { return RunHandThreaded(pairs, seconds, static_cast<int>(cores)); });
  Compare("50us handlers, independent contexts", PRISM_SCHEDULER_HUECOLOR,
          independent, pairs, seconds, AllPing);
  ComparePreloaded("50us handlers, independent contexts", "huecolor",
                   child_independent, pairs, seconds, AllPing);
  Compare("50us handlers, all conflicting", PRISM_SCHEDULER_EXACT, conflicting,
          pairs, seconds, AllPing);
  Compare("50us handlers, on_ping x on_ping global", PRISM_SCHEDULER_EXACT,
          self_conflicting, pairs, seconds, AllPing);
  // Mixed: pairs use on_a..on_d in turn (A-B global, C-D context, C-C and D-D
  // context).
  Compare("50us handlers, mixed matrix (A..D)", PRISM_SCHEDULER_SERIAL,
          independent, pairs, seconds, Mixed);
  Compare("50us handlers, mixed matrix (A..D)", PRISM_SCHEDULER_HUECOLOR,
          independent, pairs, seconds, Mixed);
  Compare("50us handlers, mixed matrix (A..D)", PRISM_SCHEDULER_EXACT,
          independent, pairs, seconds, Mixed);
  ComparePreloaded("50us handlers, mixed matrix (A..D)", "exact",
                   child_independent, pairs, seconds, Mixed);
  return 0;
}
