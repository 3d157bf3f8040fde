// A TU that fails to parse (broken.c) makes the result incomplete, with clang's
// diagnostics; the handler it defines is unknown code, so it conflicts globally
// with everything global: missing code only adds conflicts. Exit status 1.
// Handlers: 0 on_broken (defined in broken.c; unknown code also writes through
// its context), 1 on_good (reads g_x). MATRIX: [[3,1],[1,0]]
#include <event2/event.h>

int g_x;
void on_broken(evutil_socket_t fd, short what, void *arg);

static void on_good(evutil_socket_t fd, short what, void *arg) {
  if (g_x) return;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_good, NULL);
  event_new(base, 1, EV_READ, on_broken, NULL);
  return event_base_dispatch(base);
}
