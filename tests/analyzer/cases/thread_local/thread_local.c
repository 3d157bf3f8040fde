// Thread-local storage: on worker threads each handler invocation may see a
// different copy of t_count, which no matrix prevents, so the analysis warns
// and the ConstraintSet it emits tells the runtime to run serially. The matrix
// still says what the serial program shares: both handlers write t_count
// (global); on_plain touches only g_plain.
// Handlers sorted: 0 on_count, 1 on_count_too, 2 on_plain.
// MATRIX: [[1,1,0],[1,1,0],[0,0,1]]
#include <event2/event.h>

_Thread_local int t_count;
__thread int t_other;
int g_plain;

static void on_count(evutil_socket_t fd, short what, void *arg) { t_count++; }
static void on_count_too(evutil_socket_t fd, short what, void *arg) {
  t_count += 2;
  t_other = 1;
}
static void on_plain(evutil_socket_t fd, short what, void *arg) { g_plain++; }

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_count, NULL);
  event_new(base, 0, EV_READ, on_count_too, NULL);
  event_new(base, 0, EV_READ, on_plain, NULL);
  return event_base_dispatch(base);
}
