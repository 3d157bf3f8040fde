// One heap room shared by two sessions (a->room = b->room = r) and a buffer
// each session owns alone (a->buf, b->buf). on_join writes s->room->members
// (the same int from both contexts: global) and s->buf->used (its own buffer:
// context only).
// MATRIX: [[3]]
#include <event2/event.h>
#include <stdlib.h>

struct room {
  int members;
};
struct buffer {
  int used;
};
struct session {
  struct room *room;
  struct buffer *buf;
};

static void on_join(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct session *s = arg;
  s->room->members++;
  s->buf->used = 0;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct room *r = calloc(1, sizeof *r);
  struct session *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  if (r == NULL || a == NULL || b == NULL) return 1;
  a->room = r;
  b->room = r;
  a->buf = calloc(1, sizeof *a->buf);
  b->buf = calloc(1, sizeof *b->buf);
  event_new(base, 0, EV_READ, on_join, a);
  event_new(base, 1, EV_READ, on_join, b);
  return event_base_dispatch(base);
}
