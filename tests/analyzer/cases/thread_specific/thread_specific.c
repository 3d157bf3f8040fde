// Thread-specific data is per thread, like __thread: on_request keeps a
// per-thread scratch buffer under a pthread key, so on worker threads it would
// find a different buffer (or none) from one invocation to the next. The
// program must run serially: a warning and a serial reason. The matrix still
// states what the serial program shares: the key's slot is the one hidden
// state libc:thread_specific, written by on_request (setspecific), so
// on_request conflicts with itself; on_idle touches nothing shared.
// Handlers sorted: 0 on_idle, 1 on_request.
// MATRIX: [[0,0],[0,1]]
#include <event2/event.h>
#include <pthread.h>
#include <stdlib.h>

static pthread_key_t g_scratch_key;

static void on_request(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  char *scratch = pthread_getspecific(g_scratch_key);
  if (scratch == NULL) {
    scratch = malloc(4096);
    pthread_setspecific(g_scratch_key, scratch);
  }
}

static void on_idle(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
}

int main(void) {
  pthread_key_create(&g_scratch_key, NULL);
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ | EV_PERSIST, on_request, NULL);
  event_new(base, -1, EV_PERSIST, on_idle, NULL);
  return event_base_dispatch(base);
}
