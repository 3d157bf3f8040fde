// A table of callbacks filled by library code: on_load reads g_ops from a
// descriptor (read's model writes the buffer, pointers included), so the
// function on_run calls through g_ops.step may be any code, not only
// step_fast: unknown code, conflicting with on_peek's read of g_other.
// on_send hands g_sink only to write(), which reads it: its call through
// g_sink.emit stays emit_count. (Foreign function pointers are tracked by
// type, so the sink's callback has a type of its own.)
// Handlers sorted: on_load, on_peek, on_run, on_send.
// MATRIX: [[1,0,1,0],[0,0,1,0],[1,1,1,1],[0,0,1,1]]
#include <event2/event.h>
#include <unistd.h>

struct state {
  int n;
};
struct ops {
  void (*step)(struct state *);
};
struct sink {
  void (*emit)(struct state *, int);
};

static struct state g_state;
static struct ops g_ops;
static struct sink g_sink;
static int g_other;

static void step_fast(struct state *s) { s->n++; }
static void emit_count(struct state *s, int n) { s->n += n; }

static void on_load(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  if (read(fd, &g_ops, sizeof g_ops) < 0) return;
}

static void on_run(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_ops.step != NULL) g_ops.step(&g_state);
}

static void on_send(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  if (write(fd, &g_sink, sizeof g_sink) < 0) return;
  g_sink.emit(&g_state, 1);
}

static void on_peek(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  int other = g_other;
  (void)other;
}

int main(void) {
  struct event_base *base = event_base_new();
  g_ops.step = step_fast;
  g_sink.emit = emit_count;
  event_add(event_new(base, 0, EV_READ | EV_PERSIST, on_load, NULL), NULL);
  event_add(event_new(base, -1, EV_PERSIST, on_run, NULL), NULL);
  event_add(event_new(base, 1, EV_WRITE | EV_PERSIST, on_send, NULL), NULL);
  event_add(event_new(base, -1, EV_PERSIST, on_peek, NULL), NULL);
  return event_base_dispatch(base);
}
