// The programmer removes conflicts: PRISM_NO_CONFLICT on g_hits (annotation)
// and the overrides file for g_bytes. Both conflicts stay in the report, marked
// removed with the reason, and no longer set the bit; g_other still conflicts.
// Handlers: 0 on_a (writes g_hits, g_bytes), 1 on_b (writes g_hits, g_bytes,
// g_other). MATRIX: [[0,0],[0,1]]
#include <event2/event.h>

/* What PRISM_NO_CONFLICT(reason) from <prism/annotations.h> expands to under
 * Clang; spelled out so this test needs no header outside tests/analyzer. */
#define PRISM_NO_CONFLICT(reason) \
  __attribute__((annotate("prism_no_conflict:" reason)))

long g_hits PRISM_NO_CONFLICT("per-thread counters summed at exit");
long g_bytes;
long g_other;

static void on_a(evutil_socket_t fd, short what, void *arg) {
  g_hits++;
  g_bytes += 10;
}
static void on_b(evutil_socket_t fd, short what, void *arg) {
  g_hits++;
  g_bytes += 20;
  g_other = 1;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_a, NULL);
  event_new(base, 1, EV_READ, on_b, NULL);
  return event_base_dispatch(base);
}
