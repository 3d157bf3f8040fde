// The bufferevent is registered as read from the context (bufferevent_setcb(
// c->bev, ..., c)): whatever c->bev may hold, the callbacks' parameter 0 is
// what c->bev holds, so on_read writing *bev and tick_h writing *c->bev touch
// the same object through the same context: context conflicts only. on_event
// (the context is its parameter 2) frees the bufferevent through its
// parameter 0: *arg->bev again.
// Handlers sorted: on_event, on_read, tick_h.
// MATRIX: [[2,2,2],[2,2,2],[2,2,2]]
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  struct bufferevent *bev;
  int events;
};

static void on_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add(bufferevent_get_output(bev), "x", 1);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)what;
  struct conn *c = arg;
  c->events++;
  bufferevent_free(bev);
}

static void tick_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  evbuffer_add(bufferevent_get_output(c->bev), "y", 1);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL) return 1;
  c->bev = bufferevent_socket_new(base, -1, 0);
  bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
  event_new(base, -1, EV_PERSIST, tick_h, c);
  return event_base_dispatch(base);
}
