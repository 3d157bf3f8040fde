// qsort only permutes what the array holds: after main sorts the table it allocated, its `run`
// pointers are still run_a and run_b (not functions from outside the program), so on_dispatch
// writes g_a and g_b only: it is free of on_other (g_other) and conflicts with on_reader (g_a).
// Handlers sorted: on_dispatch, on_other, on_reader.
// MATRIX: [[1,0,1],[0,1,0],[1,0,0]]
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

struct command {
  const char *name;
  void (*run)(void);
};

static int g_a, g_b, g_other;

static void run_a(void) { g_a++; }
static void run_b(void) { g_b++; }

static struct command *g_commands;

static int by_name(const void *x, const void *y) {
  return strcmp(((const struct command *)x)->name,
                ((const struct command *)y)->name);
}

static void on_dispatch(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  g_commands[fd & 1].run();
}

static void on_other(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_other++;
}

static void on_reader(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_a > 10) abort();
}

int main(void) {
  struct event_base *base = event_base_new();
  struct command *table = calloc(2, sizeof *table);
  if (table == NULL) return 1;
  table[0].name = "b";
  table[0].run = run_b;
  table[1].name = "a";
  table[1].run = run_a;
  qsort(table, 2, sizeof table[0], by_name);
  g_commands = table;
  event_new(base, 0, EV_READ, on_dispatch, NULL);
  event_new(base, 1, EV_READ, on_other, NULL);
  event_new(base, 2, EV_READ, on_reader, NULL);
  return event_base_dispatch(base);
}
