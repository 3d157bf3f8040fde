// Functions handed to library code that neither registers them with the loop
// nor only calls them during the call:
// - evconnlistener_set_error_cb keeps on_listen_error and runs it from the
//   loop when accepting fails, outside the constraints: a serial reason naming
//   the callback and the API (the program runs serially; the analysis itself
//   is complete, exit status 0);
// - signal() installs on_hangup as a signal handler, which runs asynchronously
//   in the serial program too: a note, nothing more.
// Neither is a handler. on_read is analysed as usual.
// Handlers: 0 on_read. MATRIX: [[1]]
#include <event2/event.h>
#include <event2/listener.h>
#include <signal.h>

long g_reloads;

static void on_hangup(int signum) { g_reloads++; }

static void on_listen_error(struct evconnlistener *listener, void *arg) {
  g_reloads++;
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
  g_reloads = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  signal(SIGHUP, on_hangup);
  struct evconnlistener *listener =
      evconnlistener_new(base, NULL, NULL, 0, -1, 3);
  evconnlistener_set_error_cb(listener, on_listen_error);
  event_new(base, 0, EV_READ, on_read, NULL);
  return event_base_dispatch(base);
}
