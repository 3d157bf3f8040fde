// C++ locals that hold pointers to shared memory, reached through library
// code: a structured binding over a std::pair (hidden get<N> references), a
// std::tuple read with std::get (a reference into the local returned by a
// callee), and a local std::array indexed with operator[]. Each handler writes
// g_conn.n through the pointer it holds; on_read reads it.
// Handlers sorted: 0 on_array, 1 on_pair, 2 on_read, 3 on_tuple.
// MATRIX: [[1,1,1,1],[1,1,1,1],[1,1,0,1],[1,1,1,1]]
#include <event2/event.h>

#include <array>
#include <cstdlib>
#include <tuple>
#include <utility>

struct Conn {
  int n = 0;
};
Conn g_conn;

static std::pair<Conn *, int> find_pair() { return {&g_conn, 1}; }

static void on_pair(evutil_socket_t, short, void *) {
  auto [conn, step] = find_pair();
  conn->n += step;
}
static void on_tuple(evutil_socket_t, short, void *) {
  auto found = std::make_tuple(2, &g_conn);
  std::get<1>(found)->n++;
}
static void on_array(evutil_socket_t, short, void *) {
  std::array<Conn *, 2> conns = {&g_conn, nullptr};
  conns[0]->n++;
}
static void on_read(evutil_socket_t, short, void *) {
  if (g_conn.n == 4) abort();
}

int main() {
  event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_pair, nullptr);
  event_new(base, 0, EV_READ, on_tuple, nullptr);
  event_new(base, 0, EV_READ, on_array, nullptr);
  event_new(base, 0, EV_READ, on_read, nullptr);
  return event_base_dispatch(base);
}
