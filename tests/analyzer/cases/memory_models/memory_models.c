// Library calls on memory other handlers reach: munmap writes (ends) the
// mapping, like free; realloc may return its argument's block, so writes
// through the result are writes of what the argument points to. g_buf and
// g_map are global pointers, which may point to the same memory: writing
// through one conflicts with accesses through the other. Handlers: 0 on_grow,
// 1 on_peek, 2 on_unmap.

// MATRIX: [[1,1,1],[1,0,1],[1,1,1]]
#include <event2/event.h>
#include <stdlib.h>
#include <sys/mman.h>

char *g_buf;
char *g_map;

static void on_grow(evutil_socket_t fd, short what, void *arg) {
  char *bigger = realloc(g_buf, 64);
  if (bigger != NULL) bigger[0] = 'x';
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  if (g_buf[0] == g_map[0]) abort();
}

static void on_unmap(evutil_socket_t fd, short what, void *arg) {
  munmap(g_map, 4096);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_buf = malloc(16);
  g_map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  event_new(base, 0, EV_READ, on_grow, NULL);
  event_new(base, 1, EV_READ, on_peek, NULL);
  event_new(base, 2, EV_READ, on_unmap, NULL);
  return event_base_dispatch(base);
}
