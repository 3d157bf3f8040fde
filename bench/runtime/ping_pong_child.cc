// The runtime benchmark's program as an unmodified plain-libevent server:
// runtime_bench starts it under the preloaded runtime (LD_PRELOAD, as
// `prism run` does) and reads its one line of figures.
//   ping_pong_child --seconds=S --pairs=P [--spin-ns=N] [--mixed]
#include <event2/event.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench/runtime/ping_pong.h"

int main(int argc, char** argv) {
  double seconds = 1.0;
  int pairs = 32;
  bool mixed = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = std::atof(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--pairs=", 8) == 0) {
      pairs = std::atoi(argv[i] + 8);
    } else if (std::strncmp(argv[i], "--spin-ns=", 10) == 0) {
      ping_pong::g_spin_ns = std::atoll(argv[i] + 10);
    } else if (std::strcmp(argv[i], "--mixed") == 0) {
      mixed = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s --seconds=S --pairs=P [--spin-ns=N] [--mixed]\n",
                   argv[0]);
      return 2;
    }
  }
  if (seconds <= 0 || pairs <= 0) {
    std::fprintf(stderr,
                 "ping_pong_child: --seconds and --pairs must be positive\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  event_base* base = event_base_new();
  const ping_pong::Outcome outcome = ping_pong::Play(
      base, pairs, seconds, mixed ? ping_pong::Mixed : ping_pong::AllPing,
      [base](int fd, int handler, ping_pong::Pair* pair) {
        return event_new(base, fd, EV_READ | EV_PERSIST,
                         ping_pong::kHandlerFunctions[handler], pair);
      },
      [] {});
  event_base_free(base);
  std::printf("child %.0f ev/s %.2f cpu-us/ev\n", outcome.events_per_second,
              outcome.cpu_us_per_event);
  return 0;
}
