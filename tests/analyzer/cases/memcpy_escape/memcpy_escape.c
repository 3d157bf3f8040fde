// on_stash copies its context pointer into the global g_current with memcpy
// (an escape, as a plain store would be); on_poke writes g_current->hits, which
// may be any context's; on_own writes its own context's hits. The context is
// reachable from a global, so every context access is also global. memcpy is
// modelled as reading everything reachable from its source, here &arg: the
// pointer and so the context it points to, which on_own writes (same context:
// bit 2, besides the global bit). The parameter arg, whose address is handed
// to memcpy, may then hold pointers nobody follows; memcpy does not follow
// pointers inside what it copies, so that adds nothing.
// Handlers sorted: on_own, on_poke, on_stash.
// MATRIX: [[3,1,3],[1,1,1],[3,1,1]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct session {
  int hits;
};
struct session *g_current;

static void on_stash(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  memcpy(&g_current, &arg, sizeof arg);
}

static void on_poke(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_current != NULL) g_current->hits = 0;
}

static void on_own(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct session *s = arg;
  s->hits++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct session *s = calloc(1, sizeof *s);
  event_new(base, 0, EV_READ, on_stash, s);
  event_new(base, 1, EV_READ, on_poke, NULL);
  event_new(base, 2, EV_READ, on_own, s);
  return event_base_dispatch(base);
}
