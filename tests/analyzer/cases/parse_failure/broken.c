#include <event2/event.h>

void on_broken(evutil_socket_t fd, short what, void *arg) { this is not C; }
