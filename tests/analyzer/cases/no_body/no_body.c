// A function with no body and no library model gets the conservative default:
// it reads and writes everything reachable from its arguments (the context
// escapes into it) and the global <unknown> resource, which conflicts with
// every global access. Handlers: 0 on_local (touches nothing), 1 on_mystery
// (calls mystery(c)), 2 on_reader (reads g_x).

// MATRIX: [[0,0,0],[0,3,1],[0,1,0]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};
int g_x;
void mystery(struct conn *c);

static void on_mystery(evutil_socket_t fd, short what, void *arg) {
  mystery(arg);
}
static void on_reader(evutil_socket_t fd, short what, void *arg) {
  if (g_x) return;
}
static void on_local(evutil_socket_t fd, short what, void *arg) {
  int local = 3;
  local++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_mystery, c);
  event_new(base, 1, EV_READ, on_reader, NULL);
  event_new(base, 2, EV_READ, on_local, NULL);
  return event_base_dispatch(base);
}
