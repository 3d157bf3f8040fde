// A call that ends a descriptor's life (models' releases=N: close, shutdown,
// evutil_closesocket) writes the lvalue the number was read from: close(c->fd)
// writes c->fd, so it conflicts with every handler that uses the descriptor of
// the same connection (context bit), directly, through a local copy of the
// number (int fd = c->fd), in a helper given the connection or in helpers given
// the number (through integer parameters and locals). Other fields are
// unaffected. Handlers: 0 on_close, 1 on_drop, 2 on_helper, 3 on_len,
// 4 on_shutdown, 5 on_write.

// clang-format off
// MATRIX: [[2,2,2,0,2,2],[2,2,2,0,2,2],[2,2,2,0,2,2],[0,0,0,2,0,0],[2,2,2,0,2,2],[2,2,2,0,2,0]]
// clang-format on
#include <event2/event.h>
#include <event2/util.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
  int fd;
  int len;
  char out[64];
};

static void drop(struct conn *c) { evutil_closesocket(c->fd); }

static void drop_number(int fd) { close(fd); }

static void drop_copy(int number) {
  int copy = number;
  drop_number(copy);
}

static void on_close(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  close(c->fd);
}

static void on_helper(evutil_socket_t fd, short what, void *arg) { drop(arg); }

static void on_drop(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  drop_copy(c->fd);
}

static void on_shutdown(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  int number = c->fd;
  shutdown(number, SHUT_RDWR);
}

static void on_write(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  (void)write(c->fd, c->out, sizeof c->out);
}

static void on_len(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->len++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  c->fd = 3;
  event_new(base, c->fd, EV_READ, on_close, c);
  event_new(base, c->fd, EV_READ, on_helper, c);
  event_new(base, c->fd, EV_READ, on_drop, c);
  event_new(base, c->fd, EV_READ, on_shutdown, c);
  event_new(base, c->fd, EV_WRITE, on_write, c);
  event_new(base, c->fd, EV_READ, on_len, c);
  return event_base_dispatch(base);
}
