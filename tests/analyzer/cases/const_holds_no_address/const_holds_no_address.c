// A library call given an object reads "everything reachable from it". For an
// object defined const that holds no address (no pointer in its type, no
// integer wide enough for one), everything reachable is its own storage, which
// nothing may write (writing it is undefined behaviour): on_greet's reads of
// kGreeting and kRange through bufferevent_write are never shared, so the
// write through g_out (which may reach any global whose address is taken)
// cannot meet them.
// What stays: kWide's longs may hold addresses cast to integers and kNames
// holds pointers, so what on_wide's library calls reach may be memory g_out
// writes; g_plain is not const at all.
// Handlers sorted: 0 on_greet, 1 on_plain, 2 on_wide, 3 on_write. The
// bufferevent handlers conflict with themselves through their bufferevent.
// MATRIX: [[2,0,0,0],[0,2,0,1],[0,0,2,1],[0,1,1,1]]
#include <event2/bufferevent.h>
#include <event2/event.h>

static const char kGreeting[] = "hello\n";
static const struct range {
  int lo, hi;
  char tag[4];
} kRange = {1, 9, "rng"};
static const long kWide[2] = {1, 2};
static const char *const kNames[] = {"a", "b"};
static char g_plain[8] = "plain";
static char g_buffer[64];
static char *g_out = g_buffer;

static void on_greet(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write(bev, kGreeting, sizeof kGreeting);
  bufferevent_write(bev, &kRange, sizeof kRange);
}

static void on_plain(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write(bev, g_plain, sizeof g_plain);
}

static void on_wide(struct bufferevent *bev, void *arg) {
  (void)arg;
  bufferevent_write(bev, kWide, sizeof kWide);
  bufferevent_write(bev, kNames, sizeof kNames);
}

static void on_write(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  g_out[fd & 7] = 'x';
}

int main(void) {
  struct event_base *base = event_base_new();
  struct bufferevent *a = bufferevent_socket_new(base, 0, BEV_OPT_THREADSAFE);
  struct bufferevent *b = bufferevent_socket_new(base, 1, BEV_OPT_THREADSAFE);
  struct bufferevent *c = bufferevent_socket_new(base, 2, BEV_OPT_THREADSAFE);
  bufferevent_setcb(a, on_greet, NULL, NULL, NULL);
  bufferevent_setcb(b, on_plain, NULL, NULL, NULL);
  bufferevent_setcb(c, on_wide, NULL, NULL, NULL);
  event_new(base, 3, EV_READ | EV_PERSIST, on_write, NULL);
  return event_base_dispatch(base);
}
