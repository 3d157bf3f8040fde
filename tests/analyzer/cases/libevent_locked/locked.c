// libevent's event API runs under the event base's lock (evthread_use_pthreads,
// which the Prism runtime requires): adding, deleting or activating one event
// from two handlers, or breaking out of the loop, is synchronized by libevent
// and is no conflict. What is not locked stays: on_reset reinitializes the
// shared timer with event_assign, and on_stop frees the shared wakeup event,
// both writes of events other handlers add.
// - on_arm and on_wake: event_add/event_del/event_active on g_timer and
//   g_wakeup, event_base_loopbreak: no conflict with each other or themselves.
// - on_reset (event_assign on g_timer) conflicts with on_arm and on_wake
//   (which add/delete g_timer) and with itself.
// - on_stop (event_free of g_wakeup) conflicts with on_arm, on_wake (which
//   activate it) and itself; with on_reset too, since two global pointers
//   may point to one event (g_timer may be g_wakeup).
// - on_tick, g_wakeup's callback, does nothing.
// Before, every call wrote its event and base: every pair of the four
// conflicted. Handlers sorted: 0 on_arm, 1 on_reset, 2 on_stop, 3 on_tick,
// 4 on_wake.
// MATRIX: [[0,1,1,0,0],[1,1,1,0,1],[1,1,1,0,1],[0,0,0,0,0],[0,1,1,0,0]]
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stddef.h>

static struct event_base *g_base;
static struct event *g_timer;
static struct event *g_wakeup;
static struct event g_timer_storage;

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}

static void on_arm(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  struct timeval later = {1, 0};
  event_add(g_timer, &later);
  event_active(g_wakeup, EV_READ, 0);
}

static void on_wake(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  event_del(g_timer);
  event_active(g_wakeup, EV_READ, 0);
  event_base_loopbreak(g_base);
}

static void on_reset(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  event_assign(g_timer, g_base, -1, 0, NULL, NULL);
}

static void on_stop(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  event_free(g_wakeup);
}

int main(void) {
  g_base = event_base_new();
  g_timer = &g_timer_storage;
  g_wakeup = event_new(g_base, -1, 0, on_tick, NULL);
  event_new(g_base, 0, EV_READ | EV_PERSIST, on_arm, NULL);
  event_new(g_base, 1, EV_READ | EV_PERSIST, on_wake, NULL);
  event_new(g_base, 2, EV_READ | EV_PERSIST, on_reset, NULL);
  event_new(g_base, 3, EV_READ | EV_PERSIST, on_stop, NULL);
  return event_base_dispatch(g_base);
}
