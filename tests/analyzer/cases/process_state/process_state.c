// Process-wide state as hidden library state: chdir writes the working
// directory (libc:cwd), which every call taking a path reads; umask writes the
// file-creation mask (libc:umask), read by calls that may create a file;
// setuid writes the credentials (libc:credentials), read by permission-checked
// calls (chdir too). fork copies all memory: it reads <unknown>, so it
// conflicts with every write. Handlers: 0 on_chdir, 1 on_fork, 2 on_open,
// 3 on_setuid, 4 on_umask.

// MATRIX: [[1,1,1,1,0],[1,0,0,1,1],[1,0,0,1,1],[1,1,1,1,0],[0,1,1,0,1]]
#include <event2/event.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_chdir(evutil_socket_t fd, short what, void *arg) {
  if (chdir("/srv/www") != 0) return;
}

static void on_open(evutil_socket_t fd, short what, void *arg) {
  FILE *f = fopen("index.html", "r");
  if (f != NULL) fclose(f);
}

static void on_umask(evutil_socket_t fd, short what, void *arg) { umask(077); }

static void on_setuid(evutil_socket_t fd, short what, void *arg) {
  if (setuid(65534) != 0) return;
}

static void on_fork(evutil_socket_t fd, short what, void *arg) {
  if (fork() == 0) _exit(0);
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_chdir, NULL);
  event_new(base, 1, EV_READ, on_open, NULL);
  event_new(base, 2, EV_READ, on_umask, NULL);
  event_new(base, 3, EV_READ, on_setuid, NULL);
  event_new(base, 4, EV_READ, on_fork, NULL);
  return event_base_dispatch(base);
}
