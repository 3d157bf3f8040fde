// Where C's effective types do not keep accesses apart (see typed_storage): POSIX requires every
// `struct sockaddr_*` to be readable as a `struct sockaddr` (on_family's write through g_sa may
// be g_addr, a struct sockaddr_in), and a type declared __attribute__((may_alias)) may touch any
// object, as a character type may (on_word's int may be g_addr's bytes). Every pair conflicts.
// Handlers sorted: on_family, on_port, on_word.
// MATRIX: [[1,1,1],[1,1,1],[1,1,1]]
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef int aliasing_int __attribute__((may_alias));

struct sockaddr_in g_addr;
struct sockaddr_in *g_addr_view = &g_addr;
struct sockaddr *g_sa;
aliasing_int *g_word;

static void on_family(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_sa->sa_family = AF_INET;
}

static void on_port(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_addr.sin_port = htons(80);
}

static void on_word(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  *g_word = 1;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_family, NULL);
  event_new(base, 1, EV_READ, on_port, NULL);
  event_new(base, 2, EV_READ, on_word, NULL);
  return event_base_dispatch(base);
}
