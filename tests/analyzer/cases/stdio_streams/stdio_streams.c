// stdio streams are locked by the library for each call: handlers logging to
// the same FILE (or to stdout) conflict, but only on such streams, so each
// conflict is reported as a suggested removal (atomic_only). on_log and
// on_log_too write the log file's FILE; on_print writes stdout; on_buffer
// fills its own buffer with snprintf, touching no stream.
// Handlers sorted: 0 on_buffer, 1 on_log, 2 on_log_too, 3 on_print.
// MATRIX: [[0,0,0,0],[0,1,1,0],[0,1,1,0],[0,0,0,1]]
#include <event2/event.h>
#include <stdio.h>

FILE *g_log;

static void on_log(evutil_socket_t fd, short what, void *arg) {
  fprintf(g_log, "event on %d\n", (int)fd);
}
static void on_log_too(evutil_socket_t fd, short what, void *arg) {
  fputs("tick\n", g_log);
  fflush(g_log);
}
static void on_print(evutil_socket_t fd, short what, void *arg) {
  printf("%d\n", (int)what);
}
static void on_buffer(evutil_socket_t fd, short what, void *arg) {
  char line[32];
  snprintf(line, sizeof line, "%d", (int)fd);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_log = fopen("/tmp/log", "a");
  event_new(base, 0, EV_READ, on_log, NULL);
  event_new(base, 0, EV_READ, on_log_too, NULL);
  event_new(base, 0, EV_READ, on_print, NULL);
  event_new(base, 0, EV_READ, on_buffer, NULL);
  return event_base_dispatch(base);
}
