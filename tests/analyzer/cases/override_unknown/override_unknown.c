// An override removes only conflicts where both sides touch its own resource.
// on_tick writes the overridden g_hits and also calls opaque_update, which has
// no body and no model: its effects are unknown, may be a plain write of
// g_hits, and conflict globally with themselves. Only the g_hits x g_hits
// pairing is removed; <unknown> x g_hits and <unknown> x <unknown> are not, so
// on_tick still conflicts with itself. on_idle touches nothing shared.
// Handlers: 0 on_idle, 1 on_tick. MATRIX: [[0,0],[0,1]]
#include <event2/event.h>

#define PRISM_NO_CONFLICT(reason) \
  __attribute__((annotate("prism_no_conflict:" reason)))

long g_hits PRISM_NO_CONFLICT("relaxed atomic increments");

void opaque_update(int n);

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  g_hits++;
  opaque_update(1);
}

static void on_idle(evutil_socket_t fd, short what, void *arg) {
  int local = 0;
  local++;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_tick, NULL);
  event_new(base, 1, EV_READ, on_idle, NULL);
  return event_base_dispatch(base);
}
