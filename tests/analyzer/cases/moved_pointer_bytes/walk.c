// A helper that walks a buffer with pointer arithmetic (`*dst++ = c`) writes
// chars somewhere in that buffer, never through pointers the buffer might
// hold: make_line's buffer, published to its caller through an
// out-parameter, stays on_log's own memory, so on_log conflicts with nothing.
// The neighbour that must stay: bump_all walks an array of pointers and
// writes through the pointers it loads there ((*slot++)->count++); on_bump
// stored &g_item into its array, so bump_all writes g_item.count, which
// on_peek reads.
// Handlers sorted: 0 on_bump, 1 on_log, 2 on_peek, 3 on_tick.
// MATRIX: [[1,0,1,0],[0,0,0,0],[1,0,0,0],[0,0,0,1]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct item {
  int count;
};
struct item g_item;
long g_ticks;

static void fill(char *dst, const char *src) {
  while (*src) *dst++ = *src++;
  *dst = '\0';
}

static int make_line(char **out, const char *text) {
  char *buffer = calloc(4, strlen(text) + 1);
  if (buffer == NULL) return -1;
  fill(buffer, text);
  *out = buffer;
  return 0;
}

static void bump_all(struct item **slot, int n) {
  while (n-- > 0) (*slot++)->count++;
}

static void on_log(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  char *line;
  if (make_line(&line, "tick") != 0) return;
  free(line);
}

static void on_bump(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct item **items = calloc(1, sizeof *items);
  if (items == NULL) return;
  items[0] = &g_item;
  bump_all(items, 1);
  free(items);
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_item.count > 10) abort();
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_ticks++;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_log, NULL);
  event_new(base, 1, EV_READ, on_bump, NULL);
  event_new(base, 2, EV_READ, on_peek, NULL);
  event_new(base, -1, EV_PERSIST, on_tick, NULL);
  return event_base_dispatch(base);
}
