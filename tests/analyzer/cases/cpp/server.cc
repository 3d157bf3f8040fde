// C++ handlers: a static member function, a captureless lambda, and a
// trampoline that static_casts its argument and calls a member function, where
// `this` is the context. Handlers (by name): 0 Server::on_accept (static
// member; writes Server::accepted, a class static), 1 the lambda in main (reads
// g_reads), 2 trampoline (Conn::on_read writes this->state: context, and
// g_reads: global). MATRIX: [[1,0,0],[0,0,1],[0,1,3]]
#include <event2/event.h>

int g_reads;

class Conn {
 public:
  void on_read() {
    state = 1;
    g_reads++;
  }

 private:
  int state = 0;
};

class Server {
 public:
  static void on_accept(evutil_socket_t fd, short what, void *arg) {
    accepted++;
  }
  static int accepted;
};
int Server::accepted;

static void trampoline(evutil_socket_t fd, short what, void *arg) {
  static_cast<Conn *>(arg)->on_read();
}

int main() {
  event_base *base = event_base_new();
  Conn *conn = new Conn;
  event_new(base, 0, EV_READ, Server::on_accept, nullptr);
  event_new(base, 1, EV_READ, trampoline, conn);
  event_new(
      base, 2, EV_READ,
      [](evutil_socket_t, short, void *) {
        if (g_reads > 3) return;
      },
      nullptr);
  return event_base_dispatch(base);
}
