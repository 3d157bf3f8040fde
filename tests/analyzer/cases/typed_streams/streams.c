// A call on a stdio stream touches the FILE object it is given (the library locks it through its
// members) and the stream's buffers, which are the library's own while the program hands a stream
// no memory of its own (no setvbuf with a buffer, no code Prism cannot see). So on_log's fprintf
// to g_log (a FILE) never reaches g_stamp, a char array on_stamp writes: they are free of each
// other. on_log and on_flush both write the FILE g_log points to: they conflict (a suggested
// removal: each call is atomic).
// Handlers sorted: on_flush, on_log, on_stamp.
// MATRIX: [[1,1,0],[1,1,0],[0,0,1]]
#include <event2/event.h>
#include <stdio.h>

static FILE *g_log;
static char g_stamp[32];
static char *g_stamp_view = g_stamp;

static void on_log(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  fprintf(g_log, "event on %d\n", (int)fd);
}

static void on_flush(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  fflush(g_log);
}

static void on_stamp(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  snprintf(g_stamp, sizeof g_stamp, "%d", (int)fd);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_log = fopen("/tmp/log", "a");
  (void)g_stamp_view;
  event_new(base, 0, EV_READ, on_log, NULL);
  event_new(base, 1, EV_READ, on_flush, NULL);
  event_new(base, 2, EV_READ, on_stamp, NULL);
  return event_base_dispatch(base);
}
