// Effects are instantiated per call site: bump(&g_events) is a global write,
// bump(&c->events) a context write. Handlers: 0 on_conn, 1 on_global.

// MATRIX: [[2,0],[0,1]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int events;
};
int g_events;

static void bump(int *p) { (*p)++; }

static void on_global(evutil_socket_t fd, short what, void *arg) {
  bump(&g_events);
}

static void on_conn(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  bump(&c->events);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_global, NULL);
  event_new(base, 0, EV_READ, on_conn, c);
  return event_base_dispatch(base);
}
