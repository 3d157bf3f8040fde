// main publishes the session in g_last through a helper, and a separate
// setup() registers on_own on it: the escape is in the registering function's
// caller. on_peek writes g_last->hits, the same object on_own writes through
// its context.
// Handlers sorted: on_own, on_peek.
// MATRIX: [[3,1],[1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct session {
  int hits;
};
struct session *g_last;
static struct event_base *g_base;

static void on_own(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct session *s = arg;
  s->hits++;
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_last != NULL) g_last->hits = 0;
}

static void publish(struct session *s) { g_last = s; }

static void setup(struct session *s) {
  event_new(g_base, 0, EV_READ, on_own, s);
}

int main(void) {
  g_base = event_base_new();
  struct session *s = calloc(1, sizeof *s);
  publish(s);
  setup(s);
  event_new(g_base, -1, EV_PERSIST, on_peek, NULL);
  return event_base_dispatch(g_base);
}
