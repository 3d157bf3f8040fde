// C's effective types keep some accesses apart: a global declared in C holds objects of its
// declared types only, and an access lands in an object of the type it designates (`p->state`: a
// struct conn; `*ip`: an int). Strict aliasing is in force (C, no -fno-strict-aliasing).
// - on_conn writes g_conn->state, on_slots writes g_slots[1] of an int array whose address is
//   taken: no struct conn lives in g_slots, so they do not conflict.
// - Sound neighbours that stay: on_totals writes g_totals.last.state, and g_totals holds a struct
//   conn (on_conn may land there); on_level writes an int through g_level, which may be
//   g_slots[] or g_totals' ints; on_bytes writes a char through g_name, and a character access
//   may touch any object; two accesses through pointers may meet in memory no declaration types.
// Handlers sorted: on_bytes, on_conn, on_level, on_slots, on_totals.
// MATRIX: [[1,1,1,1,1],[1,1,1,0,1],[1,1,1,1,1],[1,0,1,1,0],[1,1,1,0,1]]
#include <event2/event.h>
#include <stdlib.h>

struct conn {
  int state;
  int fd;
};
struct totals {
  long count;
  struct conn last;
};

struct conn *g_conn;
int g_slots[4];
int *g_slot_cursor = g_slots;
struct totals g_totals;
struct totals *g_totals_view = &g_totals;
int *g_level;
char g_names[32];
char *g_name = g_names;

static void on_conn(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_conn->state = 1;
}

static void on_slots(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_slots[1]++;
}

static void on_totals(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_totals.last.state = 3;
}

static void on_level(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  *g_level = 2;
}

static void on_bytes(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_name[0] = 'x';
}

// Set through parameters, so the analysis does not trace where they point and the types alone
// decide (global_pointees states what tracing the stores gives).
static void point(struct conn *conn, int *level) {
  g_conn = conn;
  g_level = level;
}

int main(void) {
  struct event_base *base = event_base_new();
  point(calloc(1, sizeof *g_conn), malloc(sizeof *g_level));
  event_new(base, 0, EV_READ, on_conn, NULL);
  event_new(base, 1, EV_READ, on_slots, NULL);
  event_new(base, 2, EV_READ, on_totals, NULL);
  event_new(base, 3, EV_READ, on_level, NULL);
  event_new(base, 4, EV_READ, on_bytes, NULL);
  return event_base_dispatch(base);
}
