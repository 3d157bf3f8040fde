// A handler that allocates a node, links it into a global table and then
// walks the table: what other handlers may store into the node later they
// store through the table, so pointers read from it lead where pointers read
// from below the table lead (`*g_table[]`), not to unknown memory. on_bump
// must stay free of on_count_other (g_other's address is never taken); it
// keeps its conflicts with on_target (on_point stores &g_target into a node,
// so through the table it may be g_target), with on_point (the table itself)
// and with on_param_publish, whose node went into its context's memory,
// where any code may change it: its loads from the node stay unknown (a
// global conflict with everything, and with every context access). on_point
// and on_target are free of each other: on_point writes the `ref` of a struct
// entry a pointer read from the table points to, and no struct entry lives
// in g_target (a struct target), whatever the table holds (C's effective
// types; typed_storage).
// Handlers sorted: 0 on_bump, 1 on_count_other, 2 on_param_publish,
// 3 on_point, 4 on_target.
// MATRIX: [[1,0,3,1,1],[0,1,1,0,0],[3,1,3,1,1],[1,0,1,1,0],[1,0,1,0,1]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
struct target {
  int n;
};
struct entry {
  char *key;
  struct entry *next;
  struct target *ref;
  unsigned long count;
};
struct other {
  unsigned long count;
};
struct holder {
  struct entry *head;
};
static struct entry *g_table[16];
static struct other g_other;
static struct target g_target;
static void on_bump(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  const char *key = arg;
  unsigned bucket = strlen(key) % 16;
  struct entry *e = g_table[bucket];
  while (e != NULL && strcmp(e->key, key) != 0) e = e->next;
  if (e == NULL) {
    struct entry *fresh = calloc(1, sizeof *fresh);
    if (fresh == NULL) return;
    fresh->key = strdup(key);
    fresh->next = g_table[bucket];
    g_table[bucket] = fresh;
    e = fresh;
  }
  e->count++;
  if (e->ref != NULL) e->ref->n++;
}
static void on_count_other(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_other.count++;
}
static void on_param_publish(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct holder *h = arg;
  struct entry *fresh = calloc(1, sizeof *fresh);
  if (fresh == NULL) return;
  h->head = fresh;
  if (fresh->next != NULL) fresh->next->count++;
}
static void on_point(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_table[0] != NULL) g_table[0]->ref = &g_target;
}
static void on_target(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_target.n = 0;
}
int main(void) {
  static struct holder holder;
  struct event_base *base = event_base_new();
  event_add(event_new(base, 0, EV_READ | EV_PERSIST, on_bump, "key"), NULL);
  event_add(event_new(base, 0, EV_READ | EV_PERSIST, on_count_other, NULL),
            NULL);
  event_add(event_new(base, 0, EV_READ | EV_PERSIST, on_param_publish, &holder),
            NULL);
  event_add(event_new(base, 0, EV_READ | EV_PERSIST, on_point, NULL), NULL);
  event_add(event_new(base, 0, EV_READ | EV_PERSIST, on_target, NULL), NULL);
  return event_base_dispatch(base);
}
