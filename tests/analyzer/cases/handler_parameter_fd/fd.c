// An event callback's parameter 0 is the descriptor event_new was given
// (argument 1). on_read closes its fd, registered as c->fd: that ends the
// number on_write reads from c->fd (the same context): a context conflict.
// on_accept closes the descriptor the listener accepted for it; the number
// may have gone anywhere (integers are not followed through stores), so the
// release is global and, as unknown memory, conflicts with every context
// access.
// Handlers sorted: on_accept, on_read, on_write.
// MATRIX: [[1,1,1],[1,2,2],[1,2,0]]
#include <event2/event.h>
#include <event2/listener.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
  int fd;
  int unused;
};

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  close(fd);
}

static void on_write(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  (void)write(c->fd, "x", 1);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  (void)listener, (void)sa, (void)socklen, (void)arg;
  close(fd);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL) return 1;
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  event_new(base, c->fd, EV_READ, on_read, c);
  event_new(base, c->fd, EV_WRITE, on_write, c);
  evconnlistener_new_bind(base, on_accept, NULL, 0, -1, NULL, 0);
  return event_base_dispatch(base);
}
