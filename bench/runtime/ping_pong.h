// The runtime benchmark's program, without the runtime: P socketpairs playing
// ping-pong. Each end has a persistent EV_READ event; its handler reads the
// byte, optionally burns CPU, and writes the byte back, so every pair always
// has exactly one invocation ready. The context of both ends is the pair.
// Shared by runtime_bench (which registers the events through the runtime or
// plain libevent) and ping_pong_child (the unmodified program that runs under
// the preloaded runtime).
#ifndef PRISM_BENCH_RUNTIME_PING_PONG_H_
#define PRISM_BENCH_RUNTIME_PING_PONG_H_

#include <event2/event.h>

#include <cstdint>
#include <functional>

namespace ping_pong {

struct Pair {
  int fds[2];
  event* ev[2];
  uint64_t count = 0;  // Context data: written only by this pair's handlers.
};

// CPU each handler burns; read-only while handlers run.
extern int64_t g_spin_ns;

// Distinct handlers (on_ping, on_a..on_d) so a matrix can treat them
// differently; named and placed as the analyzer and the runtime's symbol
// lookup name them.
constexpr int kHandlers = 5;
extern const event_callback_fn kHandlerFunctions[kHandlers];
extern const char* const kHandlerNames[kHandlers];
extern const char kHandlerFile[];

int AllPing(int pair);  // Every pair uses on_ping.
int Mixed(int pair);    // Pairs use on_a..on_d in turn.

double CpuSeconds();  // User + system CPU of the whole process.

struct Outcome {
  double events_per_second = 0;
  double cpu_us_per_event = 0;
};

// Makes the event of one end: plain event_new, or the runtime's registration.
using MakeEvent = std::function<event*(int fd, int handler, Pair* pair)>;

// Sets up `pairs` pairs on `base`, serves for `seconds`, tears them down.
// `before_teardown` runs after the loop ends and the events are deleted (the
// runtime drains there).
Outcome Play(event_base* base, int pairs, double seconds,
             int (*handler_of)(int), const MakeEvent& make,
             const std::function<void()>& before_teardown);

}  // namespace ping_pong

#endif  // PRISM_BENCH_RUNTIME_PING_PONG_H_
