// A context pointer stored into a global escapes: every access through a
// context becomes a global conflict (DESIGN.md invariants; the engine README).
// on_stash keeps its connection in g_last; on_peek reads g_last->n; on_other
// writes its own c->n. Handlers: 0 on_other, 1 on_peek, 2 on_stash. on_other:
// writes c->n (escaped: global, and context). on_peek: reads only (g_last,
// g_last->n). on_stash: writes g_last and c->n.

// MATRIX: [[3,1,3],[1,0,1],[3,1,3]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};
struct conn *g_last;

static void on_stash(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  g_last = c;
  c->n++;
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  if (g_last && g_last->n > 3) return;
}

static void on_other(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->n = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  event_new(base, 0, EV_READ, on_stash, a);
  event_new(base, 1, EV_READ, on_peek, NULL);
  event_new(base, 2, EV_READ, on_other, b);
  return event_base_dispatch(base);
}
