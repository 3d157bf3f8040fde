#include "bench/runtime/ping_pong.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void Spin() {
  if (ping_pong::g_spin_ns <= 0) return;
  auto end = Clock::now() + std::chrono::nanoseconds(ping_pong::g_spin_ns);
  while (Clock::now() < end) {
  }
}

void Bounce(evutil_socket_t fd, ping_pong::Pair* p) {
  char byte;
  if (read(fd, &byte, 1) != 1) return;
  ++p->count;
  Spin();
  if (write(fd, &byte, 1) != 1) std::abort();
}

void on_ping(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<ping_pong::Pair*>(arg));
}
void on_a(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<ping_pong::Pair*>(arg));
}
void on_b(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<ping_pong::Pair*>(arg));
}
void on_c(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<ping_pong::Pair*>(arg));
}
void on_d(evutil_socket_t fd, short, void* arg) {
  Bounce(fd, static_cast<ping_pong::Pair*>(arg));
}

}  // namespace

namespace ping_pong {

int64_t g_spin_ns = 0;

const event_callback_fn kHandlerFunctions[kHandlers] = {on_ping, on_a, on_b,
                                                        on_c, on_d};
// The handlers live in an anonymous namespace: so the analyzer names them, and
// the runtime finds them by symbol and file.
const char* const kHandlerNames[kHandlers] = {
    "(anonymous namespace)::on_ping", "(anonymous namespace)::on_a",
    "(anonymous namespace)::on_b", "(anonymous namespace)::on_c",
    "(anonymous namespace)::on_d"};
const char kHandlerFile[] = __FILE__;

int AllPing(int) { return 0; }
int Mixed(int pair) { return 1 + pair % 4; }

double CpuSeconds() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

Outcome Play(event_base* base, int pairs, double seconds,
             int (*handler_of)(int), const MakeEvent& make,
             const std::function<void()>& before_teardown) {
  std::vector<Pair> ps(pairs);
  for (int i = 0; i < pairs; ++i) {
    Pair& p = ps[i];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, p.fds) != 0) std::abort();
    const int h = handler_of(i);
    for (int end = 0; end < 2; ++end) {
      evutil_make_socket_nonblocking(p.fds[end]);
      p.ev[end] = make(p.fds[end], h, &p);
      event_add(p.ev[end], nullptr);
    }
    char byte = 'x';
    if (write(p.fds[0], &byte, 1) != 1) std::abort();  // Serve.
  }
  timeval tv = {static_cast<long>(seconds),
                static_cast<long>((seconds - (long)seconds) * 1e6)};
  event_base_loopexit(base, &tv);
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  event_base_dispatch(base);
  for (Pair& p : ps) {
    event_del(p.ev[0]);
    event_del(p.ev[1]);
  }
  before_teardown();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t total = 0;
  for (Pair& p : ps) total += p.count;
  Outcome outcome;
  outcome.events_per_second = total / elapsed;
  outcome.cpu_us_per_event =
      (CpuSeconds() - cpu_start) * 1e6 / (total ? total : 1);
  for (Pair& p : ps) {
    event_free(p.ev[0]);
    event_free(p.ev[1]);
    close(p.fds[0]);
    close(p.fds[1]);
  }
  return outcome;
}

}  // namespace ping_pong
