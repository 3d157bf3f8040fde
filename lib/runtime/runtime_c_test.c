/* The public header from C11: a server adopts the runtime with one-line
 * changes. Exits non-zero on failure (a plain C test, no gtest). */
#include <event2/event.h>
#include <event2/thread.h>
#include <stdio.h>
#include <string.h>

#include "prism/runtime.h"

static int g_ticks;

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct event *ev = arg;
  if (++g_ticks < 5) {
    struct timeval tv = {0, 100};
    event_add(ev, &tv);
  }
}

static int g_once;
static void on_once(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  ++g_once;
}

int main(void) {
  if (evthread_use_pthreads() != 0) return 1;
  struct event_base *base = event_base_new();
  struct prism_options opts;
  prism_options_init(&opts);
  opts.scheduler = PRISM_SCHEDULER_SERIAL;
  prism_runtime *rt = prism_runtime_new(base, &opts);
  if (rt == NULL || strcmp(prism_runtime_mode(rt), "serial") != 0) return 2;
  struct event *tick = prism_evtimer_new(rt, on_tick, event_self_cbarg());
  struct timeval tv = {0, 100};
  event_add(tick, &tv);
  if (prism_base_once(rt, -1, EV_TIMEOUT, on_once, NULL, &tv) != 0) return 3;
  event_base_dispatch(base);
  struct prism_constraint_stat stats[4];
  size_t n = prism_runtime_constraint_stats(rt, stats, 4);
  event_free(tick);

  /* The same registrations by base (a rename of libevent's calls): the base's
   * runtime. */
  if (prism_runtime_of_base(base) != rt) return 5;
  g_ticks = 0;
  struct event *by_base = prism_evtimer_new(base, on_tick, event_self_cbarg());
  event_add(by_base, &tv);
  if (prism_base_once(base, -1, EV_TIMEOUT, on_once, NULL, &tv) != 0) return 6;
  event_base_dispatch(base);
  event_free(by_base);
  prism_runtime_free(rt);
  if (prism_runtime_of_base(base) != NULL) return 7;
  event_base_free(base);
  if (g_ticks != 5 || g_once != 2 || n != 0) {
    fprintf(stderr, "ticks %d once %d stats %zu\n", g_ticks, g_once, n);
    return 4;
  }
  return 0;
}
