// event_self_cbarg() as the context (the event itself) and the libevent 1.x
// API: event_set with event_base_set. Handlers: 0 on_old (1.x; writes g_old), 1
// on_tick (re-adds its own event, which libevent synchronizes, or frees it:
// event_free writes the event reached from its context, not a global).
// MATRIX: [[1,0],[0,2]]
#include <event.h>
#include <stdlib.h>

int g_old;
static struct event g_ev;

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  struct event *self = arg;
  struct timeval tv = {1, 0};
  if (what & EV_TIMEOUT)
    event_add(self, &tv);
  else
    event_free(self);
}

static void on_old(int fd, short what, void *arg) { g_old++; }

int main(void) {
  struct event_base *base = event_base_new();
  struct event *tick = event_new(base, -1, 0, on_tick, event_self_cbarg());
  event_add(tick, NULL);
  event_set(&g_ev, -1, 0, on_old, NULL);
  event_base_set(base, &g_ev);
  event_add(&g_ev, NULL);
  return event_base_dispatch(base);
}
