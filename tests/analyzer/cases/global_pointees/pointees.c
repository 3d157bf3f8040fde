// What a global pointer may point to, from every store into it (engine README, "Global
// pointers"): g_heap and g_heap_other are only ever set to allocated memory, so writes through
// them never touch g_stats, whose address is taken (g_view = &g_stats), nor what g_view points to:
// on_heap and on_heap_other are free of on_stats and on_view. Types do not decide here: every
// access is to a struct stats.
// - Sound neighbours that stay: on_view's g_view may be g_stats; on_param's g_param is set from a
//   parameter (not traced); on_init's g_init starts out as &g_stats (its initializer); and two
//   pointers to allocated memory may meet (all allocations count as one object).
// Handlers sorted: on_heap, on_heap_other, on_init, on_param, on_stats, on_view.
// MATRIX: [[1,1,1,1,0,0],[1,1,1,1,0,0],[1,1,1,1,1,1],[1,1,1,1,1,1],[0,0,1,1,1,1],[0,0,1,1,1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct stats {
  int count;
};

struct stats g_stats;
struct stats *g_heap;
struct stats *g_heap_other;
struct stats *g_view;
struct stats *g_param;
struct stats *g_init = &g_stats;

static void keep(struct stats *s) { g_param = s; }

static void on_heap(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_heap->count++;
}

static void on_heap_other(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_heap_other->count = 0;
}

static void on_stats(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_stats.count++;
}

static void on_view(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_view->count++;
}

static void on_param(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_param->count++;
}

static void on_init(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_init->count++;
}

int main(void) {
  struct event_base *base = event_base_new();
  g_heap = calloc(1, sizeof *g_heap);
  struct stats *other = malloc(sizeof *other);
  g_heap_other = other;
  g_view = &g_stats;
  keep(calloc(1, sizeof(struct stats)));
  event_new(base, 0, EV_READ, on_heap, NULL);
  event_new(base, 1, EV_READ, on_heap_other, NULL);
  event_new(base, 2, EV_READ, on_stats, NULL);
  event_new(base, 3, EV_READ, on_view, NULL);
  event_new(base, 4, EV_READ, on_param, NULL);
  event_new(base, 5, EV_READ, on_init, NULL);
  return event_base_dispatch(base);
}
