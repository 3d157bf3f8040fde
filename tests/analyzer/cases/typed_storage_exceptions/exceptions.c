// Where C's effective types do not keep accesses apart (see typed_storage): POSIX requires every
// `struct sockaddr_*` to be readable as a `struct sockaddr` (on_family's write through g_sa may
// be g_addr, a struct sockaddr_in), and a type declared __attribute__((may_alias)) may touch any
// object, as a character type may (on_word's int may be g_addr's bytes). A byte array may hold
// objects of any type (a static arena, which every compiler keeps working): on_placed's write of
// a struct conn through g_placed may land in g_arena, which on_arena reads, or in g_addr's
// sin_zero. Only the pairs that share no memory at all are free (on_arena and on_port).
// Handlers sorted: on_arena, on_family, on_placed, on_port, on_word.
// MATRIX: [[0,1,1,0,1],[1,1,1,1,1],[1,1,1,1,1],[0,1,1,1,1],[1,1,1,1,1]]
#include <event2/event.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef int aliasing_int __attribute__((may_alias));

struct sockaddr_in g_addr;
struct sockaddr_in *g_addr_view = &g_addr;
struct sockaddr *g_sa;
aliasing_int *g_word;

struct conn {
  int state;
};
static unsigned char g_arena[256];
static size_t g_arena_used;
struct conn *g_placed;

static void *arena_take(size_t size) {
  void *at = &g_arena[g_arena_used];
  g_arena_used += size;
  return at;
}

static void on_family(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_sa->sa_family = AF_INET;
}

static void on_port(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_addr.sin_port = htons(80);
}

static void on_placed(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_placed->state = 1;
}

static void on_arena(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  if (g_arena[0] == 0xff) event_base_loopbreak(NULL);
}

static void on_word(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  *g_word = 1;
}

// Set through parameters, so the analysis does not trace where they point (see typed_storage).
static void point(struct sockaddr *sa, aliasing_int *word, struct conn *placed) {
  g_sa = sa;
  g_word = word;
  g_placed = placed;
}

int main(void) {
  struct event_base *base = event_base_new();
  point((struct sockaddr *)g_addr_view, (aliasing_int *)g_addr_view,
        arena_take(sizeof *g_placed));
  event_new(base, 0, EV_READ, on_family, NULL);
  event_new(base, 1, EV_READ, on_port, NULL);
  event_new(base, 2, EV_READ, on_word, NULL);
  event_new(base, 3, EV_READ, on_placed, NULL);
  event_new(base, 4, EV_READ, on_arena, NULL);
  return event_base_dispatch(base);
}
