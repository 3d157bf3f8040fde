// stdin, stdout and stderr are three streams (C 7.21.3p7): while the program never changes the
// pointers themselves and hands no stream memory of its own (setbuf with NULL hands none),
// on_out's writes to stdout and on_err's to stderr are free of each other. Each conflicts with
// itself on its stream (a suggested removal: each call is atomic).
// Handlers sorted: on_err, on_out.
// MATRIX: [[1,0],[0,1]]
#include <event2/event.h>
#include <stdio.h>

static void on_out(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  fputs("tick\n", stdout);
  fflush(stdout);
}

static void on_err(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  fprintf(stderr, "event on %d\n", (int)fd);
}

int main(void) {
  struct event_base *base = event_base_new();
  setbuf(stderr, NULL);
  event_new(base, 0, EV_READ, on_out, NULL);
  event_new(base, 1, EV_READ, on_err, NULL);
  return event_base_dispatch(base);
}
