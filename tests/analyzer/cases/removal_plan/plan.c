// The removal plan takes groups in turn. g_stats alone holds on_a1 and on_a2
// (with themselves and each other) and each of them with on_mix: 5 pairs;
// g_log alone holds on_logger with itself and with on_mix: 2 pairs. on_mix
// with itself conflicts on both g_stats and g_log: no single removal frees
// it, taking both does (5, then 8 pairs free).
// Handlers sorted: 0 on_a1, 1 on_a2, 2 on_logger, 3 on_mix.
// MATRIX: [[1,1,0,1],[1,1,0,1],[0,0,1,1],[1,1,1,1]]
#include <event2/event.h>

struct stats {
  long hits;
};
struct stats g_stats;
char g_log[256];

static void on_a1(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_stats.hits++;
}

static void on_a2(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_stats.hits += 2;
}

static void on_mix(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_stats.hits = 0;
  g_log[0] = 'm';
}

static void on_logger(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_log[1] = 'l';
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_a1, NULL);
  event_new(base, 1, EV_READ | EV_PERSIST, on_a2, NULL);
  event_new(base, 2, EV_READ | EV_PERSIST, on_mix, NULL);
  event_new(base, 3, EV_READ | EV_PERSIST, on_logger, NULL);
  return event_base_dispatch(base);
}
