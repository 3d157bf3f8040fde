// Different fields of one global are different resources; a whole-object access
// (memset of &stats) overlaps every field; read/read is no conflict; a handler
// touching only its locals and memory it allocated has no conflicts, not even
// with itself. Handlers: 0 on_hit, 1 on_local, 2 on_miss, 3 on_reset. on_hit
// writes stats.hits and reads g_config; on_miss writes stats.misses and reads
// g_config; on_reset writes all of stats.

// MATRIX: [[1,0,0,1],[0,0,0,0],[0,0,1,1],[1,0,1,1]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct stats {
  long hits;
  long misses;
} stats;
int g_config;

static void on_hit(evutil_socket_t fd, short what, void *arg) {
  stats.hits += g_config;
}
static void on_miss(evutil_socket_t fd, short what, void *arg) {
  stats.misses += g_config;
}
static void on_reset(evutil_socket_t fd, short what, void *arg) {
  memset(&stats, 0, sizeof stats);
}

static void on_local(evutil_socket_t fd, short what, void *arg) {
  char buf[64];
  char *scratch = malloc(32);
  int i;
  for (i = 0; i < 32; i++) scratch[i] = buf[i] = (char)i;
  free(scratch);
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_hit, NULL);
  event_new(base, 1, EV_READ, on_miss, NULL);
  event_new(base, 2, EV_READ, on_reset, NULL);
  event_new(base, 3, EV_READ, on_local, NULL);
  return event_base_dispatch(base);
}
