// Library models of terminfo (declared here as <term.h> does): the current terminal is one
// library state, which setupterm writes and tigetnum and tparm read; tparm also formats into one
// static buffer it returns. on_caps and on_format only read the terminal, so they are free of
// each other and on_caps of itself but for its context (it writes the count it is given); each
// conflicts with on_setup, and on_format with itself (the buffer). None of them is unknown code.
// Handlers sorted: 0 on_caps, 1 on_format, 2 on_setup.
// MATRIX: [[2,0,1],[0,1,1],[1,1,1]]
#include <event2/event.h>
#include <stdlib.h>

int setupterm(const char *term, int fd, int *errret);
int tigetnum(const char *capname);
char *tparm(const char *str, ...);

static void on_caps(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  int *columns = arg;
  *columns = tigetnum("cols");
}

static void on_format(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  char *move = tparm("\033[%i%p1%d;%p2%dH", (long)fd, 1L);
  if (move != 0 && move[0] == 0) event_base_loopbreak(0);
}

static void on_setup(evutil_socket_t fd, short what, void *arg) {
  (void)what, (void)arg;
  int error = 0;
  setupterm("xterm", (int)fd, &error);
}

int main(void) {
  struct event_base *base = event_base_new();
  int *columns = malloc(sizeof *columns);
  event_new(base, 0, EV_READ, on_caps, columns);
  event_new(base, 1, EV_READ, on_format, 0);
  event_new(base, 2, EV_READ, on_setup, 0);
  return event_base_dispatch(base);
}
