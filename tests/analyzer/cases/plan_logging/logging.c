// The removal plan names a logging function when both sides' conflicting
// calls are atomic stdio calls made inside it: log_line's fprintf on the log
// stream holds every pair of on_get, on_put and on_tick (a suggested removal:
// whole lines may interleave). on_put and on_tick also share g_hits for real,
// and on_tick calls fprintf on the stream itself (its group is the stream,
// not log_line: an override of log_line would not cover that call).
// Handlers sorted: 0 on_get, 1 on_put, 2 on_tick.
// MATRIX: [[1,1,1],[1,1,1],[1,1,1]]
// The plan: log_line first (frees on_get with itself and with on_put), then
// g_hits, then the stream for on_tick's own call.
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>

FILE *g_log_file;
long g_hits;

static void log_line(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  vfprintf(g_log_file, format, ap);
  va_end(ap);
  fputc('\n', g_log_file);
}

static void on_get(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  log_line("get on %d", (int)fd);
}

static void on_put(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  g_hits++;
  log_line("put on %d", (int)fd);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  fprintf(g_log_file, "tick %ld\n", g_hits);
  log_line("ticked");
}

int main(void) {
  struct event_base *base = event_base_new();
  g_log_file = stderr;
  event_new(base, 0, EV_READ, on_get, NULL);
  event_new(base, 1, EV_READ, on_put, NULL);
  event_new(base, -1, EV_PERSIST, on_tick, NULL);
  return event_base_dispatch(base);
}
