// A returned allocation holds what its maker stored there and what its
// callers store there later; the caller's front-end summary sees neither (the
// object is not its own). Each handler below bumps a count through a pointer
// held in callee-allocated memory and must conflict with on_read, which reads
// every count: on_nested (a nested allocation filled by its maker), on_filled
// (filled by a helper the maker calls), on_later (filled by a helper the
// handler calls), on_copy (a struct assigned into it), on_clear_list (memset
// over a list walk that reaches g_tail), on_deep (a self-linked chain walked
// past the selector limit). on_published's object is also in g_pub, which
// on_setpub may point at g_c: through g_pub it may be any global whose
// address is taken (`*g_pub (may be g_c.count)`). Today every returned allocation
// counts as escaped (its maker's stores are not followed: see the engine
// README, Known limits), so every pair conflicts; the sound superset keeps
// each required conflict. Once returned contents are followed again, on_copy,
// on_filled, on_later and on_nested must be free of each other and of
// on_clear_list (memset leaves no pointer of its own). on_setpub writes only
// the `item` of a struct box, and no box lives in the globals on_read reads
// (C's effective types; typed_storage): those two are free of each other.
// Handlers sorted: 0 on_clear_list, 1 on_copy, 2 on_deep, 3 on_filled,
// 4 on_later, 5 on_nested, 6 on_published, 7 on_read, 8 on_setpub.
// MATRIX: [[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,0,0],[1,1,1,1,1,1,1,0,1]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
struct item { int count; };
struct item g_a, g_b, g_c, g_d, g_e;
struct box { struct item *item; struct box *inner; };
struct box *g_pub;
struct node { struct node *next; int value; };
struct node g_tail;
struct chain { struct chain *n; struct item *it; };
struct item g_f;
static void fill(struct box *b, struct item *it) { b->item = it; }
static struct box *make_nested(void) {
  struct box *o = calloc(1, sizeof *o);
  o->inner = calloc(1, sizeof *o);
  o->inner->item = &g_a;
  return o;
}
static struct box *make_filled(void) {
  struct box *o = calloc(1, sizeof *o);
  fill(o, &g_b);
  return o;
}
static struct box *make_published(void) {
  struct box *o = calloc(1, sizeof *o);
  g_pub = o;
  return o;
}
static struct box *make_plain(void) { return calloc(1, sizeof(struct box)); }
static struct node *make_list(void) {
  struct node *head = calloc(1, sizeof *head);
  if (head != NULL) head->next = &g_tail;
  return head;
}
static struct chain *make_chain(void) {
  struct chain *c = calloc(1, sizeof *c);
  c->n = c;
  c->it = &g_f;
  return c;
}
static void on_clear_list(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  for (struct node *p = make_list(); p != NULL; p = p->next) memset(p, 0, sizeof *p); }
static void on_deep(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct chain *c = make_chain(); c->n->n->n->n->n->n->n->it->count++; }
static void on_nested(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct box *o = make_nested(); o->inner->item->count++; }
static void on_filled(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct box *o = make_filled(); o->item->count++; }
static void on_published(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct box *o = make_published(); o->item->count++; }
static void on_setpub(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_pub) g_pub->item = &g_c; }
static void on_later(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct box *o = make_plain(); fill(o, &g_d); struct box *p = o; p->item->count++; }
static void on_copy(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct box *o = make_plain(); struct box src = { &g_e, 0 }; *o = src; o->item->count++; }
static void on_read(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_a.count + g_b.count + g_c.count + g_d.count + g_e.count + g_f.count + g_tail.value > 10) abort(); }
int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_nested, NULL);
  event_new(base, 0, EV_READ, on_filled, NULL);
  event_new(base, 0, EV_READ, on_published, NULL);
  event_new(base, 0, EV_READ, on_setpub, NULL);
  event_new(base, 0, EV_READ, on_later, NULL);
  event_new(base, 0, EV_READ, on_copy, NULL);
  event_new(base, 0, EV_READ, on_read, NULL);
  event_new(base, 0, EV_READ, on_clear_list, NULL);
  event_new(base, 0, EV_READ, on_deep, NULL);
  return event_base_dispatch(base);
}
