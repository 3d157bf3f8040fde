// Locals whose address is handed to calls hold what those calls store there.
// on_other: find_other(&c) stores &g_other into c, then touch(&c) writes
// (*cp)->n: g_other.n (global) as well as arg->n (c's first value). on_own:
// own(arg, &c) stores the context into c (an out-parameter), so c->n is the
// context's n, not unknown memory. on_read_ctx reads the context's n,
// on_read_other reads g_other.n.
// Handlers sorted: 0 on_other, 1 on_own, 2 on_read_ctx, 3 on_read_other.
// MATRIX: [[3,2,2,1],[2,2,2,0],[2,2,0,0],[1,0,0,0]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};
struct conn g_other;

static void find_other(struct conn **out) { *out = &g_other; }
static void own(struct conn *c, struct conn **out) { *out = c; }
static void touch(struct conn **cp) { (*cp)->n++; }

static void on_other(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  find_other(&c);
  touch(&c);
}
static void on_own(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = NULL;
  own(arg, &c);
  c->n++;
}
static void on_read_ctx(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  if (c->n == 4) abort();
}
static void on_read_other(evutil_socket_t fd, short what, void *arg) {
  if (g_other.n == 4) abort();
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_other, c);
  event_new(base, 0, EV_READ, on_own, c);
  event_new(base, 0, EV_READ, on_read_ctx, c);
  event_new(base, 0, EV_READ, on_read_other, c);
  return event_base_dispatch(base);
}
