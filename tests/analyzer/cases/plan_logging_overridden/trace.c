// The override line the removal plan prints for a logging function
// (plan_logging), pasted into the overrides file: `trace: each call is
// atomic; ...` removes the conflicts of the stdio calls made inside trace
// (fputs and fputc on the trace stream) and nothing else. on_read and
// on_write become free of each other; on_write with itself still conflicts
// on g_bytes, which it writes outside trace; on_flush writes the stream
// itself (fflush outside trace) and keeps its conflicts with every handler.
// Handlers sorted: 0 on_flush, 1 on_read, 2 on_write.
// MATRIX: [[1,1,1],[1,0,0],[1,0,1]]
#include <event2/event.h>
#include <stdio.h>

FILE *g_trace;
long g_bytes;

static void trace(const char *line) {
  fputs(line, g_trace);
  fputc('\n', g_trace);
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  trace("read");
}

static void on_write(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_bytes += 10;
  trace("write");
}

static void on_flush(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  fflush(g_trace);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_trace = stderr;
  event_new(base, 0, EV_READ, on_read, NULL);
  event_new(base, 1, EV_WRITE, on_write, NULL);
  event_new(base, -1, EV_PERSIST, on_flush, NULL);
  return event_base_dispatch(base);
}
