// An override of a field covers a conflict only where both sides touch that
// field: conn::hits is overridden (racy statistics), so on_read x on_read on
// c->hits is removed. But on_close frees the connection: free(c) writes the
// whole object, hits included, and the override says nothing about freeing,
// so on_read x on_close stays a context conflict. on_stats reads c->hits
// (covered with on_read's write) and calls unknown code on the connection
// (not covered): on_stats x on_read stays a conflict too. Handing the
// connection to unknown code escapes it, so every context conflict is also
// global. (Before overrides needed both sides, on_read x on_close and
// on_read x on_stats came out clear.)
// Handlers sorted: 0 on_close, 1 on_read, 2 on_stats.
// MATRIX: [[3,3,3],[3,0,3],[3,3,3]]
#include <event2/event.h>
#include <stdlib.h>

#define PRISM_NO_CONFLICT(reason) \
  __attribute__((annotate("prism_no_conflict:" reason)))

struct conn {
  long hits PRISM_NO_CONFLICT("statistics only");
  char name[16];
};

void audit_connection(struct conn *c);

static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  c->hits++;
}

static void on_close(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  free(arg);
}

static void on_stats(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct conn *c = arg;
  if (c->hits > 100) audit_connection(c);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ | EV_PERSIST, on_read, c);
  event_new(base, 0, EV_CLOSED, on_close, c);
  event_new(base, -1, EV_PERSIST, on_stats, c);
  return event_base_dispatch(base);
}
