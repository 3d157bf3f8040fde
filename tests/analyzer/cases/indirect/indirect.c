// Indirect calls through function pointers resolve to every address-taken
// function of a compatible type: c->op(c) may run op_count (writes g_count) or
// op_touch (writes c->n). Handlers: 0 on_direct (calls op_nothing directly:
// nothing), 1 on_indirect. MATRIX: [[0,0],[0,3]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int n;
  void (*op)(struct conn *);
};
int g_count;

static void op_count(struct conn *c) { g_count++; }
static void op_touch(struct conn *c) { c->n = 1; }
static void op_nothing(struct conn *c) {}

static void on_indirect(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->op(c);
}
static void on_direct(evutil_socket_t fd, short what, void *arg) {
  op_nothing(arg);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  c->op = (rand() & 1) ? op_count : op_touch;
  event_new(base, 0, EV_READ, on_indirect, c);
  event_new(base, 1, EV_READ, on_direct, c);
  return event_base_dispatch(base);
}
