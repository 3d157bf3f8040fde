// The address of a local pointer handed to a helper: touch() writes through
// *cp to the connection c points to, the context. on_touch and on_peek
// conflict on arg->n (context). on_parse passes &end to strtol, which stores
// into it a pointer into its first argument (the model's stores=1:arg0), here
// the local text: on_parse's read of *end reads its own memory, no conflict.
// Handlers: 0 on_parse, 1 on_peek, 2 on_touch. MATRIX: [[0,0,0],[0,0,2],[0,2,2]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};

static void touch(struct conn **cp) { (*cp)->n++; }

static void on_touch(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  touch(&c);
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  if (c->n == 4) c = NULL;
}

static void on_parse(evutil_socket_t fd, short what, void *arg) {
  char text[8] = "42";
  char *end;
  if (strtol(text, &end, 10) > 0 && *end == 0) return;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *a = calloc(1, sizeof *a);
  event_new(base, 0, EV_READ, on_touch, a);
  event_new(base, 1, EV_READ, on_peek, a);
  event_new(base, 2, EV_READ, on_parse, NULL);
  return event_base_dispatch(base);
}
