#include <event2/event.h>

static int count;

static void on_read(evutil_socket_t fd, short what, void *arg) { count += 2; }

void register_b(struct event_base *base) {
  event_new(base, 1, EV_READ, on_read, NULL);
}
