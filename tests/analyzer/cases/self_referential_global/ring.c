// A global that points into itself: an empty circular list head's `next`
// is the head (g_ring.next = &g_ring), so on_first's g_ring.next->n is
// g_ring.n, which on_reset writes: they conflict although the two paths
// name different fields (pointer_into_other_memory is the neighbour where
// the pointer cannot lead back).
// Handlers sorted: 0 on_first, 1 on_reset.
// MATRIX: [[1,1],[1,1]]
#include <event2/event.h>

struct node {
  struct node *next;
  int n;
};
struct node g_ring = {&g_ring, 0};

static void on_first(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_ring.next->n = 1;
}

static void on_reset(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_ring.n = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_first, NULL);
  event_new(base, 1, EV_READ, on_reset, NULL);
  return event_base_dispatch(base);
}
