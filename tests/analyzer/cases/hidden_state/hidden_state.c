// Hidden state of non-reentrant libc functions as named pseudo-globals:
// strtok's buffer, the one buffer localtime and ctime share; strtok_r and
// localtime_r on local buffers touch nothing shared. Handlers: 0 on_ctime, 1
// on_localtime, 2 on_reentrant, 3 on_strtok.

// MATRIX: [[1,1,0,0],[1,1,0,0],[0,0,0,0],[0,0,0,1]]
#include <event2/event.h>
#include <string.h>
#include <time.h>

static void on_strtok(evutil_socket_t fd, short what, void *arg) {
  char line[32] = "a b";
  strtok(line, " ");
}

static void on_localtime(evutil_socket_t fd, short what, void *arg) {
  time_t now = 0;
  localtime(&now);
}

static void on_ctime(evutil_socket_t fd, short what, void *arg) {
  time_t now = 0;
  ctime(&now);
}

static void on_reentrant(evutil_socket_t fd, short what, void *arg) {
  char line[32] = "a b";
  char *save;
  struct tm tm;
  time_t now = 0;
  strtok_r(line, " ", &save);
  localtime_r(&now, &tm);
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_strtok, NULL);
  event_new(base, 1, EV_READ, on_localtime, NULL);
  event_new(base, 2, EV_READ, on_ctime, NULL);
  event_new(base, 3, EV_READ, on_reentrant, NULL);
  return event_base_dispatch(base);
}
