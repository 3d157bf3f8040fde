// Objects handed to registrations, reached other ways than as the context
// itself:
// - on_accept fills a buffer it allocated, links it into the connection and
//   registers the connection with on_input through a wrapper (watch); it then
//   sets the buffer's length through its own pointer `b`: on_input reaches the
//   same buffer as c->in, so on_accept x on_input is a global conflict.
// - on_open hands its connection to watch inside the same expression that
//   stores watch's result into c->fd (the store runs after the call): a
//   global conflict with on_input, which reads c->fd.
// - on_prepare does everything before registering: no conflict.
// Handlers sorted: 0 on_accept, 1 on_input, 2 on_open, 3 on_prepare.
// MATRIX: [[0,1,0,0],[1,2,1,0],[0,1,0,0],[0,0,0,0]]
#include <event2/event.h>
#include <stdlib.h>

struct buffer {
  char data[64];
  int len;
};

struct conn {
  int fd;
  struct buffer *in;
};

static void on_input(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  if (c->fd >= 0) c->in->len = 0;
}

static int watch(struct event_base *base, struct conn *c) {
  struct event *ev = event_new(base, -1, EV_READ | EV_PERSIST, on_input, c);
  return ev != NULL ? 3 : -1;
}

static void on_accept(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct buffer *b = malloc(sizeof *b);
  struct conn *c = calloc(1, sizeof *c);
  b->len = 0;
  c->in = b;
  watch(arg, c);
  b->len = 64;
}

static void on_open(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = calloc(1, sizeof *c);
  c->in = NULL;
  c->fd = watch(arg, c);
}

static void on_prepare(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = calloc(1, sizeof *c);
  c->in = calloc(1, sizeof *c->in);
  c->in->len = 1;
  c->fd = 0;
  watch(arg, c);
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_accept, base);
  event_new(base, 1, EV_READ, on_open, base);
  event_new(base, 2, EV_READ, on_prepare, base);
  return event_base_dispatch(base);
}
