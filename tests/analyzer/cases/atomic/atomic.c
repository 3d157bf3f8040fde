// A conflict only on _Atomic objects is kept (the bit stays set) and marked
// atomic_only with a suggestion; a plain global beside it is not marked.
// Handlers: 0 on_count (g_hits++ atomic), 1 on_plain (g_plain++).

// MATRIX: [[1,0],[0,1]]
#include <event2/event.h>

_Atomic long g_hits;
long g_plain;

static void on_count(evutil_socket_t fd, short what, void *arg) { g_hits++; }
static void on_plain(evutil_socket_t fd, short what, void *arg) { g_plain++; }

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_count, NULL);
  event_new(base, 1, EV_READ, on_plain, NULL);
  return event_base_dispatch(base);
}
