// An override naming a function covers what both sides do inside calls of it:
// log_line (overridden) writes the log stream and g_lines. on_get and on_put
// both log: their conflicts inside log_line are removed, so they run in
// parallel. on_rotate resets g_lines itself, outside log_line: that write is
// not covered, so on_rotate still conflicts with both loggers and itself.
// Handlers sorted: 0 on_get, 1 on_put, 2 on_rotate.
// MATRIX: [[0,0,1],[0,0,1],[1,1,1]]
#include <event2/event.h>
#include <stdio.h>

FILE *g_log;
long g_lines;

static void log_line(const char *what) {
  fprintf(g_log, "%s\n", what);
  g_lines++;
}

static void on_get(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  log_line("get");
}

static void on_put(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  log_line("put");
}

static void on_rotate(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_lines = 0;
}

int main(void) {
  g_log = stderr;
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_get, NULL);
  event_new(base, 1, EV_READ | EV_PERSIST, on_put, NULL);
  event_new(base, -1, EV_PERSIST, on_rotate, NULL);
  return event_base_dispatch(base);
}
