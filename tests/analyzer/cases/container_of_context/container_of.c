// on_write hands its connection's output buffer to release_output, which
// steps back to the connection with container_of and drops a reference:
// release_output writes c->refcount through a pointer computed from &c->out,
// so on_write's write overlaps on_read's c->refcount++ (context conflict).
// Handlers sorted: on_read, on_write.
// MATRIX: [[2,2],[2,2]]
#include <event2/event.h>
#include <stddef.h>
#include <stdlib.h>

#define container_of(ptr, type, member) \
  ((type *)((char *)(ptr) - offsetof(type, member)))

struct buffer {
  char *data;
  size_t length;
};

struct conn {
  int refcount;
  struct buffer out;
};

static struct event_base *g_base;

static void release_output(struct buffer *out) {
  struct conn *c = container_of(out, struct conn, out);
  c->refcount--;
}

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->refcount++;
}

static void on_write(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  release_output(&c->out);
}

int main(void) {
  g_base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_add(event_new(g_base, 0, EV_READ | EV_PERSIST, on_read, c), NULL);
  event_add(event_new(g_base, 0, EV_WRITE | EV_PERSIST, on_write, c), NULL);
  return event_base_dispatch(g_base);
}
