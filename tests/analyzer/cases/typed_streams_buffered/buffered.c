// The neighbour of typed_streams that must keep its conflict: main hands the log stream a buffer
// of the program's own (setvbuf), so what the stream's pointers lead to may be that buffer, and
// on_log's fprintf writes g_buffer, which on_peek reads.
// Handlers sorted: on_log, on_peek.
// MATRIX: [[1,1],[1,0]]
#include <event2/event.h>
#include <stdio.h>

static FILE *g_log;
static char g_buffer[4096];

static void on_log(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  fprintf(g_log, "event on %d\n", (int)fd);
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_buffer[0] == 'x') event_base_loopbreak(NULL);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_log = fopen("/tmp/log", "a");
  setvbuf(g_log, g_buffer, _IOFBF, sizeof g_buffer);
  event_new(base, 0, EV_READ, on_log, NULL);
  event_new(base, 1, EV_READ, on_peek, NULL);
  return event_base_dispatch(base);
}
