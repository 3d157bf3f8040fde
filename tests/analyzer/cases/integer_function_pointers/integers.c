// An integer made a function pointer: a constant (`SIG_IGN`, `(hook_fn)1`) is no function, since
// no code lives at an address written in the source; a value computed at run time may be any
// function, one from outside the program too.
// - g_hook is set to hook_count (the program's, writes g_count) or compared with the constant
//   HOOK_OFF: on_hook's call runs only program code, so it is free of on_stats (reads g_other).
// - g_action is filled from an integer read at run time: on_action's call may run unknown code
//   (the global <unknown>), so it conflicts with on_stats and on_hook.
// - signal's result (the previous handler, maybe a function from outside the program) is
//   discarded, so it makes no pointer of its type foreign; install_tick's (no body) is kept in
//   g_tick, so on_tick's call may run unknown code and conflicts with every handler.
// Handlers sorted: 0 on_action, 1 on_hook, 2 on_stats, 3 on_tick.
// MATRIX: [[1,1,1,1],[1,1,0,1],[1,0,0,1],[1,1,1,1]]
#include <event2/event.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

typedef void (*hook_fn)(int);
typedef void (*action_fn)(long);
typedef void (*tick_fn)(short);
tick_fn install_tick(void);  // A library's: no body.
#define HOOK_OFF ((hook_fn)1)

int g_count;
int g_other;
uintptr_t g_action_bits;
static hook_fn g_hook;
static action_fn g_action;
static tick_fn g_tick;

static void hook_count(int n) { g_count += n; }

static void on_hook(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  if (g_hook != HOOK_OFF) g_hook((int)fd);
}

static void on_action(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  g_action((long)fd);
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  g_tick((short)fd);
}

static void on_stats(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_other > 10) abort();
}

int main(int argc, char **argv) {
  struct event_base *base = event_base_new();
  signal(SIGPIPE, SIG_IGN);
  g_hook = argc > 1 ? hook_count : HOOK_OFF;
  g_action_bits = (uintptr_t)strtoul(argv[0], NULL, 16);
  g_action = (action_fn)g_action_bits;
  g_tick = install_tick();
  event_new(base, 0, EV_READ, on_hook, NULL);
  event_new(base, 1, EV_READ, on_action, NULL);
  event_new(base, 2, EV_READ, on_stats, NULL);
  event_new(base, 3, EV_READ, on_tick, NULL);
  return event_base_dispatch(base);
}
