// Reentrant libc variants touch only what their arguments reach: on_format and
// on_lookup fill buffers of their own (ctime_r, asctime_r, getpwnam_r,
// gethostbyname_r, getnameinfo, readdir_r) and conflict with nothing, not even
// with themselves. What they share is only read (libc:cwd, the system files).
// What stays: on_legacy uses the non-reentrant ctime and strsignal, whose
// buffers every caller shares: it conflicts with itself, and with on_stamp,
// which calls asctime (the same libc:time_buffer).
// Handlers sorted: 0 on_format, 1 on_legacy, 2 on_lookup, 3 on_stamp.
// MATRIX: [[0,0,0,0],[0,1,0,1],[0,0,0,0],[0,1,0,1]]
#define _GNU_SOURCE
#include <dirent.h>
#include <event2/event.h>
#include <netdb.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static void on_format(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  char line[64], stamp[64];
  time_t now = fd;
  struct tm tm;
  gmtime_r(&now, &tm);
  ctime_r(&now, line);
  asctime_r(&tm, stamp);
  if (line[0] == stamp[0]) return;
}

static void on_lookup(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  char buf[1024], host[256], serv[32];
  struct passwd pw, *found_pw;
  struct hostent he, *found_he;
  int error;
  if (getpwnam_r("nobody", &pw, buf, sizeof buf, &found_pw) == 0 && found_pw)
    buf[0] = found_pw->pw_name[0];
  if (gethostbyname_r("localhost", &he, buf, sizeof buf, &found_he, &error) == 0 && found_he)
    buf[1] = he.h_name[0];
  struct sockaddr_storage address;
  memset(&address, 0, sizeof address);
  getnameinfo((struct sockaddr *)&address, sizeof address, host, sizeof host, serv, sizeof serv, fd);
  DIR *dir = opendir(".");
  struct dirent entry, *next;
  if (dir != NULL && readdir_r(dir, &entry, &next) == 0 && next != NULL)
    host[0] = next->d_name[0];
}

static void on_legacy(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  time_t now = fd;
  const char *text = ctime(&now);
  const char *name = strsignal((int)fd);
  if (text[0] == name[0]) return;
}

static void on_stamp(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  struct tm tm;
  time_t now = fd;
  gmtime_r(&now, &tm);
  if (asctime(&tm)[0] == 'x') return;
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_format, NULL);
  event_new(base, 1, EV_READ | EV_PERSIST, on_lookup, NULL);
  event_new(base, 2, EV_READ | EV_PERSIST, on_legacy, NULL);
  event_new(base, 3, EV_READ | EV_PERSIST, on_stamp, NULL);
  return event_base_dispatch(base);
}
