// on_park stores its connection in a global slot as an integer (a tagged
// pointer); on_drain reads the slot back through the union's pointer member
// and writes the connection. The integer's origin is not followed, so the
// pointer read from the union is unknown memory: on_drain's write conflicts
// with every other access, on_read's c->refcount++ included.
// Handlers sorted: on_drain, on_park, on_read.
// MATRIX: [[1,1,1],[1,1,0],[1,0,2]]
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

struct conn {
  int refcount;
};

union slot {
  uintptr_t bits;
  struct conn *conn;
};

static union slot g_parked;
static struct event_base *g_base;

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->refcount++;
}

static void on_park(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  g_parked.bits = (uintptr_t)arg | 1u;
}

static void on_drain(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  union slot slot = g_parked;
  slot.bits &= ~(uintptr_t)1;
  if (slot.conn != NULL) slot.conn->refcount = 0;
}

int main(void) {
  g_base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_add(event_new(g_base, 0, EV_READ | EV_PERSIST, on_read, c), NULL);
  event_add(event_new(g_base, 0, EV_WRITE | EV_PERSIST, on_park, c), NULL);
  event_add(event_new(g_base, -1, EV_PERSIST, on_drain, NULL), NULL);
  return event_base_dispatch(g_base);
}
