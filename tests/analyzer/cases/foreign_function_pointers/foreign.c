// Function pointers that may hold a function from outside the program: an
// indirect call through them may run unknown code, even when functions of
// the program have the same type.
// - g_hook is filled from dlsym (a cast from 'void *'): on_hook's call may run
//   the plugin's code, which may write anything (the global <unknown>), so it
//   conflicts with on_stats, which reads g_other. hook_count is a hook of the
//   program of the same type (it writes g_count).
// - on_filter calls through a filter_fn that only program functions are ever
//   stored into (plain_filter): no unknown code, no conflict with on_stats
//   (on_filter x on_hook is the plugin's <unknown> write against the read of
//   g_filter).
// Before, both calls resolved by type alone and on_hook came out clear with
// both. Handlers sorted: 0 on_filter, 1 on_hook, 2 on_stats.
// MATRIX: [[0,1,0],[1,1,1],[0,1,0]]
#include <dlfcn.h>
#include <event2/event.h>

typedef void (*hook_fn)(int);
typedef int (*filter_fn)(int);

long g_count;
long g_other;
hook_fn g_hook;
filter_fn g_filter;

static void hook_count(int n) { g_count += n; }
static int plain_filter(int n) { return n > 0; }

static void on_hook(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  g_hook((int)fd);
}

static void on_filter(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  if (g_filter((int)fd)) return;
}

static void on_stats(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_other > 0) return;
}

int main(void) {
  void *plugin = dlopen("libhook.so", RTLD_NOW);
  g_hook = plugin != NULL ? (hook_fn)dlsym(plugin, "hook") : hook_count;
  g_filter = plain_filter;
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_hook, NULL);
  event_new(base, 1, EV_READ | EV_PERSIST, on_filter, NULL);
  event_new(base, -1, EV_PERSIST, on_stats, NULL);
  return event_base_dispatch(base);
}
