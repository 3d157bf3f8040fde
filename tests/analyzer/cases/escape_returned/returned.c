// conn_new allocates a connection, registers on_read on it and returns it;
// main publishes the returned connection in g_conns, where on_sweep reaches
// it. The escape is in the caller, through the return value: on_read's
// context write of refcount is global, and conflicts with on_sweep's.
// Handlers sorted: on_read, on_sweep.
// MATRIX: [[3,1],[1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int refcount;
};
struct conn *g_conns[16];
static int g_count;
static struct event_base *g_base;

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->refcount++;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  for (int i = 0; i < 16; i++) {
    if (g_conns[i] != NULL) g_conns[i]->refcount = 0;
  }
}

static struct conn *conn_new(int fd) {
  struct conn *c = calloc(1, sizeof *c);
  struct event *ev = event_new(g_base, fd, EV_READ | EV_PERSIST, on_read, c);
  event_add(ev, NULL);
  return c;
}

int main(void) {
  g_base = event_base_new();
  g_conns[g_count++] = conn_new(0);
  event_add(event_new(g_base, -1, EV_PERSIST, on_sweep, NULL), NULL);
  return event_base_dispatch(g_base);
}
