// PRISM_NO_CONFLICT on a struct field removes conflicts on that field of that
// record only, and only where both sides touch it: conn::hits is overridden,
// peer::hits (same field name, another record) still conflicts. Handlers:
// 0 on_conn (writes c->hits of a struct conn), 1 on_peer (writes p->hits of a
// struct peer). Both contexts. Fields of two records seen through contexts may
// share bytes (one object viewed as either type), so (0,1) conflicts too; the
// override does not remove it, since on_peer's side is peer::hits, which the
// programmer said nothing about.
//
// MATRIX: [[0,2],[2,2]]
#include <event2/event.h>
#include <stdlib.h>

/* What PRISM_NO_CONFLICT(reason) from <prism/annotations.h> expands to under
 * Clang. */
#define PRISM_NO_CONFLICT(reason) \
  __attribute__((annotate("prism_no_conflict:" reason)))

struct conn {
  long hits PRISM_NO_CONFLICT("statistics only");
};
struct peer {
  long hits;
};

static void on_conn(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->hits++;
}
static void on_peer(evutil_socket_t fd, short what, void *arg) {
  struct peer *p = arg;
  p->hits++;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_conn, calloc(1, sizeof(struct conn)));
  event_new(base, 1, EV_READ, on_peer, calloc(1, sizeof(struct peer)));
  return event_base_dispatch(base);
}
