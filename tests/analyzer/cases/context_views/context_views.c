// One context object seen as different record types, and as a sub-object.
// on_hdr views its context as struct hdr, on_conn as struct conn (whose first
// member is a struct hdr), on_raw as struct raw: all write or read the same
// first bytes, so they conflict on the context whatever the field names.
// on_out is registered with &c->out, a pointer into the middle of c: the
// runtime tells contexts apart by pointer, so its accesses are global ones,
// conflicting with every handler that reaches the same bytes through c.
// Handlers: 0 on_conn, 1 on_hdr, 2 on_out, 3 on_raw.
// MATRIX: [[2,2,3,2],[2,2,3,2],[3,3,3,3],[2,2,3,2]]
#include <event2/event.h>
#include <stdlib.h>

struct hdr {
  int len;
};
struct out {
  int used;
};
struct conn {
  struct hdr h;
  struct out out;
};
struct raw {
  int word0;
};

static void on_hdr(evutil_socket_t fd, short what, void *arg) {
  struct hdr *h = arg;
  h->len = 3;
}

static void on_conn(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->h.len++;
  c->out.used = 0;
}

static void on_raw(evutil_socket_t fd, short what, void *arg) {
  struct raw *r = arg;
  r->word0 = 9;
}

static void on_out(evutil_socket_t fd, short what, void *arg) {
  struct out *o = arg;
  o->used++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_hdr, c);
  event_new(base, 1, EV_READ, on_conn, c);
  event_new(base, 2, EV_READ, on_raw, c);
  event_new(base, 3, EV_WRITE, on_out, &c->out);
  return event_base_dispatch(base);
}
