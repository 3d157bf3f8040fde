// A virtual call may run any override: the trampoline calls Handler::handle
// through a Handler*, and Logger::handle (an override) writes g_lines.
// Counter::count is not virtual and not called. Handlers: 0 trampoline.
//
// MATRIX: [[1]]
#include <event2/event.h>

int g_lines;
int g_counts;

struct Handler {
  virtual ~Handler() = default;
  virtual void handle() {}
};
struct Logger : Handler {
  void handle() override { g_lines++; }
};
struct Counter {
  void count() { g_counts++; }
};

static void trampoline(evutil_socket_t, short, void *arg) {
  static_cast<Handler *>(arg)->handle();
}

int main() {
  event_base *base = event_base_new();
  Handler *h = new Logger;
  Counter c;
  c.count();
  event_new(base, 0, EV_READ, trampoline, h);
  return event_base_dispatch(base);
}
