// g_hooks holds void (*)(void *) pointers: on_quiet of that exact type and
// count_request, whose own type takes a struct counter *, cast into the table.
// on_hook calls g_hooks[fd & 1](arg): count_request may run and write g_total,
// which on_report reads. A function whose address is cast to another type is a
// candidate for every indirect call.
// Handlers sorted: on_hook, on_report.
// MATRIX: [[1,1],[1,0]]
#include <event2/event.h>
#include <stdlib.h>

struct counter {
  int unused;
};
int g_total;
typedef void (*hook_fn)(void *);
static hook_fn g_hooks[2];

static void on_quiet(void *p) { (void)p; }
static void count_request(struct counter *c) {
  (void)c;
  g_total++;
}

static void on_hook(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  g_hooks[fd & 1](arg);
}

static void on_report(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_total > 100) abort();
}

int main(void) {
  struct event_base *base = event_base_new();
  g_hooks[0] = on_quiet;
  g_hooks[1] = (hook_fn)count_request;
  event_new(base, 0, EV_READ, on_hook, NULL);
  event_new(base, 1, EV_READ, on_report, NULL);
  return event_base_dispatch(base);
}
