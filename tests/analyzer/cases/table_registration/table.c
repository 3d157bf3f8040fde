// Callbacks registered from a table ({callback, argument} pairs walked in a
// loop): the registration does not name the function, so every function of
// the slot's type whose address is taken is a handler registered there (a
// note says so), with the table's argument as its context: memory reached
// from a global, so its accesses are global. a_h writes its context's n;
// b_h writes g_x; c_h, also registered directly, reads g_x.
// Handlers sorted: 0 a_h, 1 b_h, 2 c_h.
// MATRIX: [[3,0,0],[0,1,1],[0,1,0]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
};
struct conn g_conns[2];
int g_x;

static void a_h(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->n++;
}
static void b_h(evutil_socket_t fd, short what, void *arg) { g_x++; }
static void c_h(evutil_socket_t fd, short what, void *arg) {
  if (g_x == 4) abort();
}

struct registration {
  event_callback_fn callback;
  void *argument;
};
static struct registration table[] = {{a_h, &g_conns[0]}, {b_h, &g_conns[1]}};

int main(void) {
  struct event_base *base = event_base_new();
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    event_new(base, -1, EV_PERSIST, table[i].callback, table[i].argument);
  event_new(base, 0, EV_READ, c_h, NULL);
  return event_base_dispatch(base);
}
