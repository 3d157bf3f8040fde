// Objects a handler allocates and registers: once an object is handed to a
// registration, the registered handler may run on a worker thread at once, so
// what the registering handler does to the object afterwards races with it.
// What it does before the registration (initialization) cannot.
//
// conn_new allocates a connection, fills c->id, registers it as the context of
// on_read and on_write, and returns it; on_accept then resets c->hits, which
// on_read increments: on_accept x on_read is a global conflict (the contexts
// differ: the listener's and the connection's). on_write reads only c->id,
// written before the registration: no conflict. on_timer registers a timer on
// a fresh object inside a loop: the write at the top of the loop may follow
// the registration of the previous iteration (the same allocation site), so it
// counts; on_tick writes t->count. (on_tick's context conflicts with
// on_read's and on_write's: contexts of different record types may be one
// object viewed two ways.)
// Handlers sorted: 0 on_accept, 1 on_read, 2 on_tick, 3 on_timer, 4 on_write.
// MATRIX: [[0,1,0,0,0],[1,2,2,0,0],[0,2,2,1,2],[0,0,1,0,0],[0,0,2,0,0]]
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <stdlib.h>

struct conn {
  int id;
  long hits;
};

struct ticker {
  long count;
};

static void on_read(struct bufferevent *bev, void *arg) {
  (void)bev;
  struct conn *c = arg;
  c->hits++;
}

static void on_write(struct bufferevent *bev, void *arg) {
  (void)bev;
  struct conn *c = arg;
  if (c->id < 0) return;
}

static struct conn *conn_new(struct event_base *base, evutil_socket_t fd) {
  struct conn *c = calloc(1, sizeof *c);
  c->id = (int)fd;
  struct bufferevent *bev = bufferevent_socket_new(base, fd, 0);
  bufferevent_setcb(bev, on_read, on_write, NULL, c);
  return c;
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  (void)listener, (void)sa, (void)socklen;
  struct conn *c = conn_new(arg, fd);
  c->hits = 0;
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct ticker *t = arg;
  t->count++;
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  for (int i = 0; i < 4; ++i) {
    struct ticker *t = malloc(sizeof *t);
    t->count = i;
    event_new(arg, -1, EV_PERSIST, on_tick, t);
  }
}

int main(void) {
  struct event_base *base = event_base_new();
  evconnlistener_new_bind(base, on_accept, base, 0, -1, NULL, 0);
  event_new(base, -1, EV_PERSIST, on_timer, base);
  return event_base_dispatch(base);
}
