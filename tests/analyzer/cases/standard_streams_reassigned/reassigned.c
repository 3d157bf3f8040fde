// The neighbour of standard_streams that keeps its conflict: main points stdout at stderr's
// stream, so on_out's writes through stdout may be on_err's through stderr.
// Handlers sorted: on_err, on_out.
// MATRIX: [[1,1],[1,1]]
#include <event2/event.h>
#include <stdio.h>

static void on_out(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  fputs("tick\n", stdout);
}

static void on_err(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  fprintf(stderr, "event on %d\n", (int)fd);
}

int main(void) {
  struct event_base *base = event_base_new();
  stdout = stderr;
  event_new(base, 0, EV_READ, on_out, NULL);
  event_new(base, 1, EV_READ, on_err, NULL);
  return event_base_dispatch(base);
}
