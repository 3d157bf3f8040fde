// on_link wraps its context in a freshly allocated list node and links the
// node into the global list g_sessions (filling the node after linking it);
// on_sweep walks the list writing every session's hits; on_hit writes its own
// context's hits. The context escapes through the fresh node: on_link's context
// may be on_hit's (both get s), so on_hit's context accesses are also global.
// Handlers sorted: on_hit, on_link, on_sweep.
// MATRIX: [[3,1,1],[1,1,1],[1,1,1]]
#include <event2/event.h>
#include <stdlib.h>

struct session {
  int hits;
};
struct node {
  struct node *next;
  struct session *session;
};
struct node *g_sessions;

static void on_link(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct node *n = malloc(sizeof *n);
  if (n == NULL) return;
  n->next = g_sessions;
  g_sessions = n;
  n->session = arg;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  for (struct node *n = g_sessions; n != NULL; n = n->next)
    n->session->hits = 0;
}

static void on_hit(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct session *s = arg;
  s->hits++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct session *s = calloc(1, sizeof *s);
  event_new(base, 0, EV_READ, on_link, s);
  event_new(base, 1, EV_READ, on_hit, s);
  event_new(base, -1, EV_PERSIST, on_sweep, NULL);
  return event_base_dispatch(base);
}
