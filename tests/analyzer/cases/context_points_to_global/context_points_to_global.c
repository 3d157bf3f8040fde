// A context field pointing to global memory: on_accept allocates each
// connection and points c->srv at the one g_server; on_read, running on
// different connections, writes c->srv->count — the same global counter. The
// write through the field is a global conflict (on_read with itself), not a
// context one; c->n stays a context resource.
// Handlers: 0 on_accept, 1 on_read. MATRIX: [[0,1],[1,3]]
#include <event2/event.h>
#include <stdlib.h>

struct server {
  long count;
};

struct conn {
  struct server *srv;
  int n;
};

struct server g_server;
static struct event_base *g_base;

static void on_read(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->srv->count++;
  c->n++;
}

static void on_accept(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = calloc(1, sizeof *c);
  c->srv = &g_server;
  event_add(event_new(g_base, fd, EV_READ | EV_PERSIST, on_read, c), NULL);
}

int main(void) {
  g_base = event_base_new();
  event_new(g_base, 0, EV_READ | EV_PERSIST, on_accept, NULL);
  return event_base_dispatch(g_base);
}
