// Inline asm writes g_x (an output operand) and may touch any memory
// (<unknown>); every conflict site of asm_h is the asm statement, line 11.
// check_h reads g_x and sometimes writes it.
// MATRIX: [[1,1],[1,1]]
#include <event2/event.h>

int g_x;

static void asm_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  __asm__ volatile("incl %0" : "+m"(g_x));
}

static void check_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_x == 9) g_x = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, asm_h, NULL);
  event_new(base, 1, EV_READ, check_h, NULL);
  return event_base_dispatch(base);
}
