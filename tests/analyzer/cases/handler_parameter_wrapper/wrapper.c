// Registrations through wrappers: setup(c, on_read) registers
// bufferevent_setcb(c->bev, cb, ..., c), so on_read's bufferevent is c->bev
// of main's c, and tick writing *c->bev conflicts with it through the same
// context. reg(base, c->fd, tick, c) passes the descriptor as the wrapper's
// integer parameter, read from c->fd at the call: tick closing its fd writes
// c->fd, which other increments (same context). on_read and other touch
// different fields of the same context: nothing.
// Handlers sorted: on_read, other, tick.
// MATRIX: [[2,0,2],[0,2,2],[2,2,2]]
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>
#include <unistd.h>

struct conn {
  struct bufferevent *bev;
  int fd;
};

static void on_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add(bufferevent_get_output(bev), "x", 1);
}

static void tick(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct conn *c = arg;
  evbuffer_add(bufferevent_get_output(c->bev), "y", 1);
  close(fd);
}

static void other(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->fd++;
}

static void setup(struct conn *c, bufferevent_data_cb cb) {
  bufferevent_setcb(c->bev, cb, NULL, NULL, c);
}

static void reg(struct event_base *base, int fd, event_callback_fn cb,
                void *arg) {
  event_new(base, fd, EV_READ, cb, arg);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL) return 1;
  c->bev = bufferevent_socket_new(base, -1, 0);
  setup(c, on_read);
  reg(base, c->fd, tick, c);
  reg(base, 3, other, c);
  return event_base_dispatch(base);
}
