// A virtual call may run any override, including one whose body Prism has
// not seen: DiskStore::put is declared here but defined in another library,
// so store->put() may run unknown code (the global <unknown>), and on_put
// conflicts with itself and with on_stats, which reads g_flushes. MemoryStore's
// override, with a body, writes only g_puts. (Before, overrides without a body
// were left out, and on_put x on_stats came out clear.)
// Handlers sorted: 0 on_put, 1 on_stats.
// MATRIX: [[1,1],[1,0]]
#include <event2/event.h>

long g_puts;
long g_flushes;

struct Store {
  virtual ~Store() = default;
  virtual void put() {}
};
struct MemoryStore : Store {
  void put() override { g_puts++; }
};
struct DiskStore : Store {
  void put() override;  // Defined in libdiskstore.
};

static void on_put(evutil_socket_t, short, void *arg) {
  static_cast<Store *>(arg)->put();
}

static void on_stats(evutil_socket_t, short, void *) {
  if (g_flushes > 0) return;
}

int main() {
  event_base *base = event_base_new();
  Store *store = new MemoryStore;
  event_new(base, 0, EV_READ, on_put, store);
  event_new(base, -1, EV_PERSIST, on_stats, nullptr);
  return event_base_dispatch(base);
}
