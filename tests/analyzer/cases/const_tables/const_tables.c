// Objects defined const are never written once initialized (writing one is
// undefined behaviour), so reading them is never shared, even beside unknown
// code that "may write everything": on_lookup reads the const command table
// and its entries' names; on_plugin calls opaque code (no body, no model),
// which writes the global <unknown> and anything reachable from what it is
// given, here the table itself.
// What stays: g_limits is not const, so on_lookup's read of it conflicts with
// on_plugin's <unknown>; the strings the table points to are not the table's
// own storage (a `const char *` may point to writable memory), so reading
// *name conflicts with <unknown> too.
// Before, the table's reads conflicted with <unknown> like any global.
// Handlers sorted: 0 on_count, 1 on_lookup, 2 on_plugin.
// on_count reads only the table (and its array of sizes): no conflict at all.
// MATRIX: [[0,0,0],[0,0,1],[0,1,1]]
#include <event2/event.h>
#include <string.h>

struct command {
  const char *name;
  int min_args;
};

static const struct command kCommands[] = {{"get", 1}, {"set", 2}};
static const int kSizes[2][2] = {{1, 2}, {3, 4}};
static int g_limits[2] = {8, 16};

void run_plugin(const struct command *table, int n);

static void on_lookup(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  const struct command *c = &kCommands[fd & 1];
  if (c->min_args > g_limits[0]) return;
  if (c->name[0] == 'g') return;
}

static void on_count(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  if (kCommands[fd & 1].min_args + kSizes[1][fd & 1] > 3) return;
}

static void on_plugin(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  run_plugin(kCommands, 2);
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_lookup, NULL);
  event_new(base, 1, EV_READ | EV_PERSIST, on_count, NULL);
  event_new(base, 2, EV_READ | EV_PERSIST, on_plugin, NULL);
  return event_base_dispatch(base);
}
