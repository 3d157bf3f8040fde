// Pointers travel inside aggregates: a struct returned by value (get_handle,
// wrap), a struct passed by value (by_value), a local array of pointers and a
// local struct passed by address (by_array, by_pointer), a compound literal,
// and a local iovec handed to readv (modelled: writes what its iovec array
// reaches). Each handler's write lands on what the aggregate carried: g_x, or
// the context's n, or the context's buffer.
// Handlers sorted: 0 on_array_ctx, 1 on_array_global, 2 on_compound,
// 3 on_pointer_global, 4 on_read_g, 5 on_read_n, 6 on_readv, 7 on_return_ctx,
// 8 on_return_global, 9 on_value_ctx.
// g_x: written by 1, 2, 3, 8; read by 4. Context n (the same context
// everywhere): written by 0, 7, 9; read by 5. Context buf: written by 6 (readv
// through the iovec), read by 5.
// MATRIX: [[2,0,0,0,0,2,0,2,0,2],[0,1,1,1,1,0,0,0,1,0],[0,1,1,1,1,0,0,0,1,0],[0,1,1,1,1,0,0,0,1,0],[0,1,1,1,0,0,0,0,1,0],[2,0,0,0,0,0,2,2,0,2],[0,0,0,0,0,2,2,0,0,0],[2,0,0,0,0,2,0,2,0,2],[0,1,1,1,1,0,0,0,1,0],[2,0,0,0,0,2,0,2,0,2]]
#include <event2/event.h>
#include <stdlib.h>
#include <sys/uio.h>

int g_x;
struct conn {
  int n;
  char buf[64];
};
struct handle {
  int *p;
};
struct ref {
  struct conn *c;
};

static struct handle get_handle(void) {
  struct handle h = {&g_x};
  return h;
}
static struct ref wrap(void *arg) {
  struct ref r = {arg};
  return r;
}
static void by_value(struct ref r) { r.c->n++; }
static void by_array(void **slots) { (*(int *)slots[0])++; }
static void by_array_ctx(void **slots) { ((struct conn *)slots[0])->n++; }
static void by_pointer(struct handle *h) { (*h->p)++; }

static void on_return_global(evutil_socket_t fd, short what, void *arg) {
  struct handle h = get_handle();
  *h.p = 1;
}
static void on_return_ctx(evutil_socket_t fd, short what, void *arg) {
  wrap(arg).c->n = 0;
}
static void on_value_ctx(evutil_socket_t fd, short what, void *arg) {
  struct ref r = {arg};
  by_value(r);
}
static void on_array_global(evutil_socket_t fd, short what, void *arg) {
  void *slots[1] = {&g_x};
  by_array(slots);
}
static void on_array_ctx(evutil_socket_t fd, short what, void *arg) {
  void *slots[2];
  slots[0] = arg;
  slots[1] = NULL;
  by_array_ctx(slots);
}
static void on_pointer_global(evutil_socket_t fd, short what, void *arg) {
  struct handle h = {&g_x};
  by_pointer(&h);
}
static void on_compound(evutil_socket_t fd, short what, void *arg) {
  by_pointer(&(struct handle){&g_x});
}
static void on_readv(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  struct iovec iov = {c->buf, sizeof c->buf};
  readv(fd, &iov, 1);
}
static void on_read_g(evutil_socket_t fd, short what, void *arg) {
  if (g_x == 4) abort();
}
static void on_read_n(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  if (c->n == 4 || c->buf[0] == 'x') abort();
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_return_global, c);
  event_new(base, 0, EV_READ, on_return_ctx, c);
  event_new(base, 0, EV_READ, on_value_ctx, c);
  event_new(base, 0, EV_READ, on_array_global, c);
  event_new(base, 0, EV_READ, on_array_ctx, c);
  event_new(base, 0, EV_READ, on_pointer_global, c);
  event_new(base, 0, EV_READ, on_compound, c);
  event_new(base, 0, EV_READ, on_readv, c);
  event_new(base, 0, EV_READ, on_read_g, c);
  event_new(base, 0, EV_READ, on_read_n, c);
  return event_base_dispatch(base);
}
