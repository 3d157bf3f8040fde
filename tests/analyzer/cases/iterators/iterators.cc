// C++ iterators are structs returned by value (begin(), end()): a range-for over
// a global vector of connections writes through pointers the iterator holds.
// on_sweep writes every connection's n through the vector, on_count reads
// them the same way; on_peek reads the vector's size only.
// The writes reach memory owned by the global vector: global conflicts. The
// iterator is handed to several methods (operator++, operator*, operator!=);
// what they store into it (operator++: the next element) is followed, so it
// holds nothing unknown. on_peek reads the vector's own pointers, which
// overlap what on_sweep writes through them (a read of a pointer field counts
// as overlapping writes below it).
// Handlers sorted: 0 on_count, 1 on_peek, 2 on_sweep.
// MATRIX: [[0,0,1],[0,0,1],[1,1,1]]
#include <event2/event.h>

#include <cstdlib>
#include <vector>

struct Conn {
  int n = 0;
};
std::vector<Conn *> g_conns;

static void on_sweep(evutil_socket_t, short, void *) {
  for (Conn *c : g_conns) c->n = 0;
}
static void on_count(evutil_socket_t, short, void *) {
  int total = 0;
  for (const Conn *c : g_conns) total += c->n;
  if (total < 0) abort();
}
static void on_peek(evutil_socket_t, short, void *) {
  if (g_conns.size() > 1000) abort();
}

int main() {
  event_base *base = event_base_new();
  event_new(base, -1, EV_PERSIST, on_sweep, nullptr);
  event_new(base, -1, EV_PERSIST, on_count, nullptr);
  event_new(base, -1, EV_PERSIST, on_peek, nullptr);
  return event_base_dispatch(base);
}
