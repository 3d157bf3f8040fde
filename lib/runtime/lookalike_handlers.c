/* A program's own library whose file name starts like libevent's
 * (libevent_lookalike_handlers.so): its callbacks are the program's, and one
 * registered past the runtime must be caught (runtime_test.cc, BypassTest). */
#include <event2/util.h>

void lookalike_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
}
