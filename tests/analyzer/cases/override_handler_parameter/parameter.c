// The programmer's override of a handler parameter that counts as global
// memory (the program of handler_parameter): on_shared is passed the
// bufferevent kept in g_bev, which other handlers may reach, so its accesses
// through it overlap every global and every context access. Overriding
// `<handler parameter> *bev` (the removal plan's line for it) removes every
// conflict that access is the reason for, with whatever the other side
// touched: on_shared is then free of every handler, and the other cells stay
// as in handler_parameter.
// Handlers sorted: on_accept, on_read, on_shared, tick_h.
// MATRIX: [[0,0,0,0],[0,2,0,2],[0,0,0,0],[0,2,0,2]]
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdlib.h>

struct conn {
  struct bufferevent *bev;
  int ticks;
};
struct bufferevent *g_bev;

static void on_read(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add(bufferevent_get_output(bev), "r", 1);
}

static void tick_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  evbuffer_add(bufferevent_get_output(c->bev), "t", 1);
}

static void on_shared(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_add(bufferevent_get_output(bev), "s", 1);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  (void)sa, (void)socklen, (void)arg;
  struct event_base *base = evconnlistener_get_base(listener);
  struct bufferevent *bev = bufferevent_socket_new(base, fd, 0);
  struct conn *c = calloc(1, sizeof *c);
  if (bev == NULL || c == NULL) return;
  c->bev = bev;
  bufferevent_setcb(bev, on_read, NULL, NULL, c);
  event_new(base, -1, EV_PERSIST, tick_h, c);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_bev = bufferevent_socket_new(base, -1, 0);
  bufferevent_setcb(g_bev, on_shared, NULL, NULL, NULL);
  evconnlistener_new_bind(base, on_accept, NULL, 0, -1, NULL, 0);
  return event_base_dispatch(base);
}
