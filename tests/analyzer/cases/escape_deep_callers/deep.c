// The registering function watch() receives its connection through six
// levels of callers, one of them an indirect call through a table of
// function pointers; main, at the top, publishes the connection in g_cur,
// where on_peek reaches it. However deep the chain, and whether the calls
// are direct or indirect, on_tick's context write is global.
// Handlers sorted: on_peek, on_tick.
// MATRIX: [[1,1],[1,3]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int ticks;
};
struct conn *g_cur;
static struct event_base *g_base;

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->ticks++;
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_cur != NULL) g_cur->ticks = 0;
}

static void watch(struct conn *c) {
  event_add(event_new(g_base, -1, EV_PERSIST, on_tick, c), NULL);
}

static void level5(struct conn *c) { watch(c); }
static void level4(struct conn *c) { level5(c); }
static void level3(struct conn *c) { level4(c); }

typedef void stage_fn(struct conn *c);
static stage_fn *const g_stages[] = {level3};

static void level2(struct conn *c, int stage) { g_stages[stage](c); }
static void level1(struct conn *c) { level2(c, 0); }

int main(void) {
  g_base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  g_cur = c;
  level1(c);
  event_add(event_new(g_base, -1, EV_PERSIST, on_peek, NULL), NULL);
  return event_base_dispatch(g_base);
}
