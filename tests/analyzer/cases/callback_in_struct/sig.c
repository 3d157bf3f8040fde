// A function handed to library code inside a struct: sigaction reads the
// struct and installs its handler as a signal handler, which runs
// asynchronously in the serial program too: a note (exit status 0);
// memset(&sa, 0, sizeof sa) only writes the struct: nothing for it.
// on_tick writes g_ticks; on_stop, the signal handler, is no event handler.
// Handlers sorted: 0 on_tick.
// MATRIX: [[1]]
#include <event2/event.h>
#include <signal.h>
#include <string.h>

int g_ticks;

static void on_stop(int sig) { (void)sig; }
static void on_tick(evutil_socket_t fd, short what, void *arg) { g_ticks++; }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  struct event_base *base = event_base_new();
  event_new(base, -1, EV_PERSIST, on_tick, NULL);
  return event_base_dispatch(base);
}
