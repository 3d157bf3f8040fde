// A function handed to library code that neither registers it with the loop
// nor calls it during the call: signal() keeps on_hangup to run it
// asynchronously, outside any matrix. The report warns and is incomplete
// (exit status 1); on_hangup is no handler. on_read is analysed as usual.
// Handlers: 0 on_read. MATRIX: [[1]]
#include <event2/event.h>
#include <signal.h>

long g_reloads;

static void on_hangup(int signum) { g_reloads++; }

static void on_read(evutil_socket_t fd, short what, void *arg) {
  g_reloads = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  signal(SIGHUP, on_hangup);
  event_new(base, 0, EV_READ, on_read, NULL);
  return event_base_dispatch(base);
}
