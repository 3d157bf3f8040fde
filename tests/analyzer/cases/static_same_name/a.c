// Two `static void on_read` in different files are two handlers (DESIGN.md
// invariant 3), each writing its own file-static counter: no conflict between
// them, global with themselves. Handlers (by name, then file): 0 on_read (a.c),
// 1 on_read (b.c). MATRIX: [[1,0],[0,1]]
#include <event2/event.h>

void register_b(struct event_base *base);
static int count;

static void on_read(evutil_socket_t fd, short what, void *arg) { count++; }

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_read, NULL);
  register_b(base);
  return event_base_dispatch(base);
}
