// bufferevent_setcb's three callbacks (data callbacks get the context as
// parameter 1, the event callback as parameter 2) and evconnlistener_new_bind
// (context = parameter 4). Handlers: 0 on_accept (writes g_conns), 1 on_event
// (writes c->closed), 2 on_read (reads c->closed, writes c->bytes), 3 on_write
// (reads c->bytes).
//
// MATRIX: [[1,0,0,0],[0,2,2,0],[0,2,2,2],[0,0,2,0]]
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdlib.h>

struct conn {
  int closed;
  long bytes;
};
int g_conns;

static void on_read(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  if (!c->closed) c->bytes++;
}
static void on_write(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  if (c->bytes > 10) return;
}
static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct conn *c = arg;
  c->closed = 1;
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  struct event_base *base = arg;
  struct bufferevent *bev = bufferevent_socket_new(base, fd, 0);
  struct conn *c = calloc(1, sizeof *c);
  g_conns++;
  bufferevent_setcb(bev, on_read, on_write, on_event, c);
}

int main(void) {
  struct event_base *base = event_base_new();
  evconnlistener_new_bind(base, on_accept, base, 0, -1, NULL, 0);
  return event_base_dispatch(base);
}
