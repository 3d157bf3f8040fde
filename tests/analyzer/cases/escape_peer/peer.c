// main pairs two sessions (a->peer = b) and registers on_relay on a and on_own
// on b. on_relay writes a->peer->hits, which is b->hits; on_own writes its
// context's hits, b->hits: different contexts, same data. A context field
// holding a pointer to anything but memory allocated for that context alone
// makes accesses through the field global.
// Handlers sorted: on_own, on_relay.
// MATRIX: [[2,1],[1,3]]
#include <event2/event.h>
#include <stdlib.h>

struct session {
  struct session *peer;
  int hits;
};

static void on_relay(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct session *s = arg;
  s->peer->hits++;
}

static void on_own(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct session *s = arg;
  s->hits++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct session *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  if (a == NULL || b == NULL) return 1;
  a->peer = b;
  event_new(base, 0, EV_READ, on_relay, a);
  event_new(base, 1, EV_READ, on_own, b);
  return event_base_dispatch(base);
}
