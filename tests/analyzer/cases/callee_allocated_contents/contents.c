// Memory a callee allocates and hands back holds what its callers store
// there, which the caller's own summary cannot see into (the object is not
// the caller's). on_bump gets an array from make_slots, stores &g_item into
// it and bumps through the stored pointer: it writes g_item.count, which
// on_peek reads. on_walk walks a list make_list built around the global
// node g_tail (p = p->next) and writes each node's value: g_tail.value,
// which on_tail reads. Today a returned allocation counts as escaped (see
// the engine README, Known limits), so on_bump, on_scratch and on_walk also
// conflict with the rest through <unknown>; the required conflicts stay.
// Once returned contents are followed again, on_scratch, which fills an
// array from make_slots with pointers to its own allocation only, must be
// free of every handler.
// Handlers sorted: 0 on_bump, 1 on_peek, 2 on_scratch, 3 on_tail, 4 on_walk.
// MATRIX: [[1,1,1,1,1],[1,0,1,0,1],[1,1,1,1,1],[1,0,1,0,1],[1,1,1,1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct item {
  int count;
};
struct item g_item;

struct node {
  struct node *next;
  int value;
};
struct node g_tail;

static struct item **make_slots(int n) {
  return calloc((size_t)n, sizeof(struct item *));
}

static void bump(struct item **slots) { slots[0]->count++; }

static struct node *make_list(void) {
  struct node *head = calloc(1, sizeof *head);
  if (head != NULL) head->next = &g_tail;
  return head;
}

static void on_bump(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct item **slots = make_slots(1);
  if (slots == NULL) return;
  slots[0] = &g_item;
  bump(slots);
  free(slots);
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_item.count > 10) abort();
}

static void on_walk(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct node *list = make_list();
  for (struct node *p = list; p != NULL; p = p->next) p->value++;
  free(list);
}

static void on_tail(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_tail.value > 10) abort();
}

static void on_scratch(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct item **slots = make_slots(1);
  struct item *mine = calloc(1, sizeof *mine);
  if (slots == NULL || mine == NULL) return;
  slots[0] = mine;
  bump(slots);
  free(mine);
  free(slots);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_tail.next = NULL;
  event_new(base, 0, EV_READ, on_bump, NULL);
  event_new(base, 1, EV_READ, on_peek, NULL);
  event_new(base, 2, EV_READ, on_walk, NULL);
  event_new(base, 3, EV_READ, on_tail, NULL);
  event_new(base, 4, EV_READ, on_scratch, NULL);
  return event_base_dispatch(base);
}
