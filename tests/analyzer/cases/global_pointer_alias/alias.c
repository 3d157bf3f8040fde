// Global pointers reach other globals: g_cur is set to &g_stats in main,
// g_init points to it from its static initializer, g_cfg.stats from a
// designated initializer. on_cur, on_init and on_cfg write g_stats.hits through
// them; on_read reads g_stats.hits directly; on_other writes g_other.misses,
// a field of another record, which no pointer here can reach as hits.
// Handlers sorted: on_cfg, on_cur, on_init, on_other, on_read.
// MATRIX: [[1,1,1,0,1],[1,1,1,0,1],[1,1,1,0,1],[0,0,0,1,0],[1,1,1,0,0]]
#include <event2/event.h>

struct stats {
  int hits;
};
struct other {
  int misses;
};
struct config {
  struct stats *stats;
};
struct stats g_stats;
struct other g_other;
struct stats *g_cur;
struct stats *g_init = &g_stats;
struct config g_cfg = {.stats = &g_stats};

static void on_cur(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_cur->hits++;
}

static void on_init(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_init->hits++;
}

static void on_cfg(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_cfg.stats->hits++;
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_stats.hits == 1000) event_base_loopbreak(NULL);
}

static void on_other(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_other.misses++;
}

int main(void) {
  struct event_base *base = event_base_new();
  g_cur = &g_stats;
  event_new(base, 0, EV_READ, on_cur, NULL);
  event_new(base, 1, EV_READ, on_init, NULL);
  event_new(base, 2, EV_READ, on_cfg, NULL);
  event_new(base, 3, EV_READ, on_read, NULL);
  event_new(base, 4, EV_READ, on_other, NULL);
  return event_base_dispatch(base);
}
