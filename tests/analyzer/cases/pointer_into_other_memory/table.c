// The neighbour of self_referential_global: no global's address is taken,
// so the pointer held in g_table (set to allocated memory) never leads back
// into a global: on_slot's g_table.slot->n and on_count's g_table.n are
// different memory, and so are on_slot's read of the pointer g_table.slot
// and its write through it. Each handler conflicts with itself only.
// Handlers sorted: 0 on_count, 1 on_slot.
// MATRIX: [[1,0],[0,1]]
#include <event2/event.h>
#include <stdlib.h>

struct node {
  struct node *next;
  int n;
};
struct table {
  struct node *slot;
  int n;
};
struct table g_table;

static void on_slot(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_table.slot->n++;
}

static void on_count(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_table.n++;
}

int main(void) {
  struct event_base *base = event_base_new();
  g_table.slot = calloc(1, sizeof(struct node));
  event_new(base, 0, EV_READ, on_slot, NULL);
  event_new(base, 1, EV_READ, on_count, NULL);
  return event_base_dispatch(base);
}
