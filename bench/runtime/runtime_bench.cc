// Runtime benchmark: the same libevent program run side by side on plain
// libevent and on the Prism runtime, printing events per second and their
// ratios. Not a test: it asserts nothing.
//
// The program: P socketpairs playing ping-pong. Each end has a persistent
// EV_READ event; its handler reads the byte, optionally burns CPU, and writes
// the byte back, so every pair always has exactly one invocation ready. The
// context of both ends is the pair: handlers of one pair conflict through it,
// different pairs are independent unless the matrix says otherwise.
//
//   bazel run --config=opt //bench/runtime:runtime_bench -- [--seconds=S]
//   [--pairs=P]
#include <event2/event.h>
#include <event2/thread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "lib/runtime/test_constraints.h"
#include "prism/runtime.h"

namespace {

using Clock = std::chrono::steady_clock;

int64_t g_spin_ns = 0;  // Read-only while handlers run.

struct Pair {
  int fds[2];
  event* ev[2];
  uint64_t count = 0;  // Context data: written only by this pair's handlers.
};

void Spin() {
  if (g_spin_ns <= 0) return;
  auto end = Clock::now() + std::chrono::nanoseconds(g_spin_ns);
  while (Clock::now() < end) {
  }
}

void Bounce(evutil_socket_t fd, Pair* p) {
  char byte;
  if (read(fd, &byte, 1) != 1) return;
  ++p->count;
  Spin();
  if (write(fd, &byte, 1) != 1) std::abort();
}

// Distinct handlers so the matrix can treat them differently.
static void on_ping(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<Pair*>(arg));
}
static void on_a(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<Pair*>(arg));
}
static void on_b(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<Pair*>(arg));
}
static void on_c(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<Pair*>(arg));
}
static void on_d(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<Pair*>(arg));
}

struct Result {
  double events_per_second;
  std::string mode;
  double cpu_us_per_event =
      0;  // User + system CPU of the whole process per event.
};

double CpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Runs the ping-pong for `seconds`. scheduler == -1: plain libevent (a base
// without locks). handler_of(i) picks the handler of pair i (0 on_ping, 1..4
// on_a..on_d).
Result Run(int scheduler, const std::string& constraints, int pairs,
           double seconds, int (*handler_of)(int)) {
  static const event_callback_fn kHandlers[] = {on_ping, on_a, on_b, on_c,
                                                on_d};
  static const char* kNames[] = {"on_ping", "on_a", "on_b", "on_c", "on_d"};
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
  std::vector<Pair> ps(pairs);
  for (int i = 0; i < pairs; ++i) {
    Pair& p = ps[i];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, p.fds) != 0) std::abort();
    int h = handler_of(i);
    for (int end = 0; end < 2; ++end) {
      evutil_make_socket_nonblocking(p.fds[end]);
      p.ev[end] =
          rt != nullptr
              ? prism_event_new_named(rt, p.fds[end], EV_READ | EV_PERSIST,
                                      kHandlers[h], &p, kNames[h], __FILE__)
              : event_new(base, p.fds[end], EV_READ | EV_PERSIST, kHandlers[h],
                          &p);
      event_add(p.ev[end], nullptr);
    }
    char byte = 'x';
    if (write(p.fds[0], &byte, 1) != 1) std::abort();  // Serve.
  }
  timeval tv = {static_cast<long>(seconds),
                static_cast<long>((seconds - (long)seconds) * 1e6)};
  event_base_loopexit(base, &tv);
  auto start = Clock::now();
  double cpu_start = CpuSeconds();
  event_base_dispatch(base);
  for (Pair& p : ps) {
    event_del(p.ev[0]);
    event_del(p.ev[1]);
  }
  prism_runtime_drain(rt);
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t total = 0;
  for (Pair& p : ps) total += p.count;
  Result r{total / elapsed,
           rt != nullptr ? prism_runtime_mode(rt) : "libevent"};
  r.cpu_us_per_event = (CpuSeconds() - cpu_start) * 1e6 / (total ? total : 1);
  for (Pair& p : ps) {
    event_free(p.ev[0]);
    event_free(p.ev[1]);
    close(p.fds[0]);
    close(p.fds[1]);
  }
  prism_runtime_free(rt);
  event_base_free(base);
  return r;
}

int AllPing(int);

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

std::string Constraints(const std::string& name, std::vector<uint8_t> cells) {
  // Named as the analyzer names them: the handlers live in an anonymous
  // namespace, and the runtime identifies a handler by its symbol.
  std::vector<prism::runtime::TestHandler> handlers = {
      {"(anonymous namespace)::on_ping", __FILE__},
      {"(anonymous namespace)::on_a", __FILE__},
      {"(anonymous namespace)::on_b", __FILE__},
      {"(anonymous namespace)::on_c", __FILE__},
      {"(anonymous namespace)::on_d", __FILE__}};
  return prism::runtime::WriteConstraintFile(
      name, prism::runtime::MakeConstraintSet(handlers, cells));
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

int AllPing(int) { return 0; }
int Mixed(int i) { return 1 + i % 4; }

void Line(const char* what, const Result& base, const Result& rt);

// The machine is shared: each side runs --repeats times, alternating, and the
// best run of each counts (the least disturbed one).
int g_repeats = 3;

const char* g_only = nullptr;  // --only=SUBSTRING: run only the matching lines.

void Compare(const char* what, int scheduler, const std::string& constraints,
             int pairs, double seconds, int (*handler_of)(int)) {
  if (g_only != nullptr && std::strstr(what, g_only) == nullptr) return;
  Result best_plain{0, "libevent"}, best_rt{0, ""};
  for (int i = 0; i < g_repeats; ++i) {
    Result plain = Run(-1, "", pairs, seconds, handler_of);
    Result rt = Run(scheduler, constraints, pairs, seconds, handler_of);
    if (plain.events_per_second > best_plain.events_per_second)
      best_plain = plain;
    if (rt.events_per_second > best_rt.events_per_second) best_rt = rt;
  }
  Line(what, best_plain, best_rt);
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
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds=S] [--pairs=P] [--repeats=N]\n",
                   argv[0]);
      return 2;
    }
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
  unsigned cores = std::thread::hardware_concurrency();
  std::printf(
      "Prism runtime benchmark: %d ping-pong pairs, %.1f s per run, %u cores, "
      "%s workers\n",
      pairs, seconds, cores,
      std::getenv("PRISM_WORKERS") ? std::getenv("PRISM_WORKERS")
                                   : "default (= cores)");

  g_spin_ns = 0;
  Compare("no-op handlers, independent contexts", PRISM_SCHEDULER_EXACT,
          independent, pairs, seconds, AllPing);
  Compare("no-op handlers, all conflicting", PRISM_SCHEDULER_EXACT, conflicting,
          pairs, seconds, AllPing);
  // The floor a parallel mode starts from: plain libevent on a base with
  // locks (what the runtime needs), i.e. the runtime in serial mode.
  Compare("no-op handlers, locked base (serial)", PRISM_SCHEDULER_SERIAL,
          independent, pairs, seconds, AllPing);
  g_spin_ns = 50000;
  Compare("50us handlers, independent contexts", PRISM_SCHEDULER_EXACT,
          independent, pairs, seconds, AllPing);
  if (g_only == nullptr ||
      std::strstr("50us handlers, hand-threaded ceiling", g_only)) {
    Result best_plain{0, "libevent"}, best_threaded{0, "threaded"};
    for (int i = 0; i < g_repeats; ++i) {
      Result plain = Run(-1, "", pairs, seconds, AllPing);
      Result threaded =
          RunHandThreaded(pairs, seconds, static_cast<int>(cores));
      if (plain.events_per_second > best_plain.events_per_second)
        best_plain = plain;
      if (threaded.events_per_second > best_threaded.events_per_second)
        best_threaded = threaded;
    }
    Line("50us handlers, hand-threaded ceiling", best_plain, best_threaded);
  }
  Compare("50us handlers, independent contexts", PRISM_SCHEDULER_HUECOLOR,
          independent, pairs, seconds, AllPing);
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
  return 0;
}
