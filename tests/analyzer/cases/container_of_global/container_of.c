// The server's statistics are a member of the global server object; on_hit
// passes &g_server.stats to count_hit, which steps back to the server with
// container_of and writes its hits. The write is to g_server.hits, which
// on_status reads: a global conflict. A pointer moved by arithmetic
// (`(char *)p + 1`, `p - offsetof(...)`) may point anywhere in the object it
// started in.
// Handlers sorted: on_hit, on_status.
// MATRIX: [[1,1],[1,0]]
#include <event2/event.h>
#include <stddef.h>
#include <stdio.h>

struct stats {
  long requests;
};

struct server {
  long hits;
  struct stats stats;
};

static struct server g_server;
static struct event_base *g_base;

static void count_hit(struct stats *stats) {
  struct server *server =
      (struct server *)((char *)stats - offsetof(struct server, stats));
  server->hits++;
}

static void on_hit(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  count_hit(&g_server.stats);
}

static void on_status(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  long hits = g_server.hits;
  (void)hits;
}

int main(void) {
  g_base = event_base_new();
  event_add(event_new(g_base, 0, EV_READ | EV_PERSIST, on_hit, NULL), NULL);
  event_add(event_new(g_base, -1, EV_PERSIST, on_status, NULL), NULL);
  return event_base_dispatch(g_base);
}
