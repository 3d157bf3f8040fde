// main links x->next = y and registers walk_h on x, own_h on y and close_h
// on z. walk_h walks the list from its context (c = c->next in a loop: the
// front-end cuts the path to `*arg`, which stands for everything below it),
// so it writes y->n too while own_h(y) writes its own n: the contexts differ,
// so only a global conflict keeps them apart. A path that stands for
// everything below it and reaches into escaped memory (here arg->next, set
// to another context) is global.
// Two narrow models keep that from spreading: free(c) writes the object
// itself, not what its pointers reach, so close_h stays context-only; and
// memcpy from a char array copies no pointer, so own_h copying g_name into
// c->name makes nothing escape.
// Handlers sorted: close_h, own_h, walk_h.
// MATRIX: [[2,2,3],[2,2,3],[3,3,3]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct conn {
  struct conn *next;
  int n;
  char name[16];
};
static char g_name[16];

static void walk_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  for (struct conn *c = arg; c != NULL; c = c->next) c->n = 0;
}

static void own_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->n++;
  memcpy(c->name, g_name, sizeof c->name);
}

static void close_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  free(arg);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *x = calloc(1, sizeof *x), *y = calloc(1, sizeof *y);
  struct conn *z = calloc(1, sizeof *z);
  if (x == NULL || y == NULL || z == NULL) return 1;
  x->next = y;
  event_new(base, 0, EV_READ, walk_h, x);
  event_new(base, 1, EV_READ, own_h, y);
  event_new(base, 2, EV_READ, close_h, z);
  return event_base_dispatch(base);
}
