// Handlers registered through wrappers that take the callback as a parameter,
// to depth 2 (memcached's _set_event), and a callback passed to a function that
// only calls it (not a registration: `tick_helper` is no handler). Handlers: 0
// on_timer (registered via arm -> set_event -> event_assign). on_timer writes
// g_ticks: global with itself. It reads c->period through its context: read
// only. MATRIX: [[1]]
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>

struct conn {
  struct event ev;
  int period;
};
static struct event_base *base;
int g_ticks;

static void set_event(struct event *ev, event_callback_fn cb, void *arg) {
  event_assign(ev, base, -1, 0, cb, arg);
}

static void arm(struct conn *c, event_callback_fn cb) {
  set_event(&c->ev, cb, c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  g_ticks += c->period;
}

static void tick_helper(void) { g_ticks = 0; }
static void run_now(void (*f)(void)) { f(); }

int main(void) {
  base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  arm(c, on_timer);
  run_now(tick_helper);
  return event_base_dispatch(base);
}
