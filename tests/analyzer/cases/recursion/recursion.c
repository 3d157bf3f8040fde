// Recursion (strongly connected components solved to a fixpoint): walk and its
// mutual recursion through visit count g_visits while following the list from
// the context (reads only). Handlers: 0 on_list (reads the list from its
// context, writes g_visits), 1 on_quiet (reads c->head: read/read, nothing).

// MATRIX: [[1,0],[0,0]]
#include <event2/event.h>
#include <stdlib.h>

struct node {
  struct node *next;
  int value;
};
struct conn {
  struct node *head;
};
int g_visits;

static int visit(struct node *n);
static int walk(struct node *n) { return n ? visit(n->next) + n->value : 0; }
static int visit(struct node *n) {
  g_visits++;
  return walk(n);
}

static void on_list(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  walk(c->head);
}
static void on_quiet(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  if (c->head) return;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *c = calloc(1, sizeof *c);
  event_new(base, 0, EV_READ, on_list, c);
  event_new(base, 1, EV_READ, on_quiet, c);
  return event_base_dispatch(base);
}
