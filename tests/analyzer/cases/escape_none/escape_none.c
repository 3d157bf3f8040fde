// The negative of escape/: no context is stored anywhere global, so on_conn's
// write of c->n is a context conflict only, and on_peek's read of g_ptr->n (a
// static object) conflicts with nothing. Handlers: 0 on_conn, 1 on_peek.

// MATRIX: [[2,0],[0,0]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};
static struct conn g_obj;
struct conn *g_ptr = &g_obj;

static void on_conn(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->n++;
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  if (g_ptr->n > 3) return;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_conn, c);
  event_new(base, 1, EV_READ, on_peek, NULL);
  return event_base_dispatch(base);
}
