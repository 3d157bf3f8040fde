// A callback handed to library code runs inside the call: qsort calls
// by_weight, which counts its comparisons in the global g_comparisons, so
// on_sort writes g_comparisons and conflicts with on_report, which reads it.
// apply() has no body and no model: it may call the function it is given, so
// on_apply gets reset_stats's write of g_comparisons too (and <unknown>); it
// may also keep it and call it later outside the constraints, so the program
// gets a serial reason (qsort's model says it only calls its comparator).
// on_idle only reads its own context, which apply() might write: unknown code
// may reach any handler's context.
// Handlers: 0 on_apply, 1 on_idle, 2 on_report, 3 on_sort.
// on_sort also writes its own c->items through qsort (a context conflict).
// MATRIX: [[1,1,1,1],[1,0,0,0],[1,0,0,1],[1,0,1,3]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int items[16];
  int n;
};

long g_comparisons;

static int by_weight(const void *a, const void *b) {
  g_comparisons++;
  return *(const int *)a - *(const int *)b;
}

static void reset_stats(void) { g_comparisons = 0; }

void apply(void (*fn)(void));

static void on_sort(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  qsort(c->items, 16, sizeof c->items[0], by_weight);
}

static void on_apply(evutil_socket_t fd, short what, void *arg) {
  apply(reset_stats);
}

static void on_report(evutil_socket_t fd, short what, void *arg) {
  if (g_comparisons > 1000) return;
}

static void on_idle(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  if (c->n > 3) return;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  event_new(base, 0, EV_READ, on_sort, a);
  event_new(base, 1, EV_READ, on_apply, NULL);
  event_new(base, 2, EV_READ, on_report, NULL);
  event_new(base, 3, EV_READ, on_idle, b);
  return event_base_dispatch(base);
}
