// Writes through pointers moved in place: on_emit writes the global output
// buffer through `*p++` (the value of p++ is p's value, not p's address) and
// through a pointer moved by `+=`; on_flush reads the buffer. on_skip writes
// through a global cursor it moved with `--`. All of it is memory behind the
// global pointers, which every handler reaches.
// Handlers sorted: on_emit, on_flush, on_skip.
// MATRIX: [[1,1,1],[1,0,1],[1,1,1]]
#include <event2/event.h>

char *g_out;
char *g_cursor;

static void on_emit(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  char *p = g_out;
  *p++ = 'a';
  p += 2;
  *p = 'b';
}

static void on_flush(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  char first = g_out[0];
  (void)first;
}

static void on_skip(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_cursor--;
  *g_cursor = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_add(event_new(base, -1, EV_PERSIST, on_emit, NULL), NULL);
  event_add(event_new(base, -1, EV_PERSIST, on_flush, NULL), NULL);
  event_add(event_new(base, -1, EV_PERSIST, on_skip, NULL), NULL);
  return event_base_dispatch(base);
}
