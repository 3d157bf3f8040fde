// Callbacks reaching the registration through a cast, a local variable and a
// macro (evtimer_new expands to event_new). Handlers: 0 on_local_var, 1
// on_timer_macro, 2 typed_cb. typed_cb writes c->count through its typed
// context parameter: context with itself. on_local_var writes g_seen: global
// with itself. on_timer_macro reads g_seen: global with on_local_var only
// (read/read with itself is nothing). MATRIX: [[1,1,0],[1,0,0],[0,0,2]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int count;
};
int g_seen;

static void typed_cb(evutil_socket_t fd, short what, struct conn *c) {
  c->count++;
}
static void on_local_var(evutil_socket_t fd, short what, void *arg) {
  g_seen = 1;
}
static void on_timer_macro(evutil_socket_t fd, short what, void *arg) {
  if (g_seen) return;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, (event_callback_fn)typed_cb, c);
  event_callback_fn cb = on_local_var;
  event_new(base, 1, EV_READ, cb, NULL);
  evtimer_new(base, on_timer_macro, NULL);
  return event_base_dispatch(base);
}
