// An override of a pointer covers the pointer, never what it points to.
// conn::buf is annotated (the pointer is set once at accept), and g_config is
// overridden in the overrides file; both handlers write through them: the
// bytes of c->buf (a context conflict) and g_config->hits (a global one) still
// conflict. Reading the pointers themselves is covered (and read/read anyway).
// Handlers: 0 on_a, 1 on_b. MATRIX: [[3,3],[3,3]]
#include <event2/event.h>
#include <stdlib.h>

#define PRISM_NO_CONFLICT(reason) \
  __attribute__((annotate("prism_no_conflict:" reason)))

struct config {
  long hits;
};

struct conn {
  char *buf PRISM_NO_CONFLICT("set once at accept, never changed");
};

struct config *g_config;

static void on_a(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->buf[0] = 'a';
  g_config->hits++;
}

static void on_b(evutil_socket_t fd, short what, void *arg) {
  struct conn *c = arg;
  c->buf[0] = 'b';
  g_config->hits++;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct conn *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  g_config = calloc(1, sizeof *g_config);
  event_new(base, 0, EV_READ, on_a, a);
  event_new(base, 1, EV_READ, on_b, b);
  return event_base_dispatch(base);
}
