// Memory reached through unknown code may be any handler's context.
// conn_lookup has no body (a prebuilt library): the connection it returns may
// be on_read's context, whatever context on_sweep runs on, so on_sweep's write
// through it is a global conflict with on_read's context write, and likewise
// with on_count's. on_read and on_count conflict only on the same context.
// Handlers: 0 on_count, 1 on_read, 2 on_sweep.
// MATRIX: [[2,2,1],[2,2,1],[1,1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};

struct conn *conn_lookup(int fd);

static void on_read(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->n++;
}

static void on_count(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->n += 2;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = conn_lookup(fd);
  c->n = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  event_new(base, 0, EV_READ, on_read, a);
  event_new(base, 1, EV_READ, on_count, b);
  event_new(base, -1, EV_PERSIST, on_sweep, NULL);
  return event_base_dispatch(base);
}
