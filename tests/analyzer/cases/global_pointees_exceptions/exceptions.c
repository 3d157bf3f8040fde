// Where the stores into a global pointer do not say what it holds (see global_pointees), every
// access through it may still be g_stats, whose address is taken: the pointer's own address is
// taken (on_reset: set through `struct stats **`), it is copied in with the record around it
// (on_copy: g_holder = g_source), it shares a union with an integer (on_union), or the program
// only declares it (on_external: a library's, which may store anything). Each conflicts with
// on_stats, and all of them with each other.
// Handlers sorted: on_copy, on_external, on_reset, on_stats, on_union.
// MATRIX: [[1,1,1,1,1],[1,1,1,1,1],[1,1,1,1,1],[1,1,1,1,1],[1,1,1,1,1]]
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>

struct stats {
  int count;
};
struct holder {
  struct stats *stats;
};
union word {
  struct stats *stats;
  uintptr_t bits;
};

struct stats g_stats;
struct stats *g_reset;
struct holder g_holder;
struct holder g_source;
union word g_union;
extern struct stats *g_external;

static void point(struct stats **slot, struct stats *to) { *slot = to; }

static void on_reset(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_reset->count++;
}

static void on_copy(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_holder.stats->count++;
}

static void on_union(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_union.stats->count++;
}

static void on_external(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_external->count++;
}

static void on_stats(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_stats.count++;
}

int main(void) {
  struct event_base *base = event_base_new();
  point(&g_reset, &g_stats);
  g_source.stats = calloc(1, sizeof(struct stats));
  g_holder = g_source;
  g_union.bits = (uintptr_t)&g_stats;
  event_new(base, 0, EV_READ, on_reset, NULL);
  event_new(base, 1, EV_READ, on_copy, NULL);
  event_new(base, 2, EV_READ, on_union, NULL);
  event_new(base, 3, EV_READ, on_external, NULL);
  event_new(base, 4, EV_READ, on_stats, NULL);
  return event_base_dispatch(base);
}
