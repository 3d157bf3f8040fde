// With -fno-strict-aliasing a program may pun types (the compiler keeps such code working), so a
// global's declared type no longer says what may land in it: on_conn's write of g_conn->state may
// be g_words[0] seen as a struct conn, and the two conflict (without the flag they do not: see
// typed_storage).
// Handlers sorted: on_conn, on_words.
// MATRIX: [[1,1],[1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int state;
};

struct conn *g_conn;
int g_words[4];

static void on_conn(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_conn->state = 1;
}

static void on_words(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_words[0] = 7;
}

// Set through a parameter, so the analysis does not trace where it points (see typed_storage).
static void point(struct conn *conn) { g_conn = conn; }

int main(void) {
  struct event_base *base = event_base_new();
  point(calloc(1, sizeof *g_conn));
  int *cursor = g_words;  // Its address is taken.
  (void)cursor;
  event_new(base, 0, EV_READ, on_conn, NULL);
  event_new(base, 1, EV_READ, on_words, NULL);
  return event_base_dispatch(base);
}
