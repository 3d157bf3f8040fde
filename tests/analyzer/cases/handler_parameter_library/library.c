// Handler parameters the library fills in. on_req's request is an object
// libevent made for that one invocation: it reaches it and nothing else, so
// its accesses conflict with nothing. on_defer keeps its request in its
// context (j->req = req), where finish_h (same context) uses it: the
// request's accesses become whole-context accesses, a context conflict with
// finish_h. on_buf is handed the same fresh buffer by two registrations with
// two different contexts: it may run on that buffer under either at once, so
// its accesses through the buffer are global, and as unknown memory they
// conflict with every context access.
// Handlers sorted: finish_h, on_buf, on_defer, on_req.
// MATRIX: [[2,1,2,0],[1,1,1,0],[2,1,2,0],[0,0,0,0]]
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdlib.h>

struct job {
  struct evhttp_request *req;
  int n;
};

static void on_buf(struct bufferevent *bev, void *arg) {
  (void)arg;
  evbuffer_drain(bufferevent_get_input(bev), 1);
}

static void on_req(struct evhttp_request *req, void *arg) {
  (void)arg;
  evbuffer_add(evhttp_request_get_output_buffer(req), "x", 1);
}

static void on_defer(struct evhttp_request *req, void *arg) {
  struct job *j = arg;
  j->req = req;
  evbuffer_add(evhttp_request_get_output_buffer(req), "y", 1);
}

static void finish_h(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  struct job *j = arg;
  evbuffer_add(evhttp_request_get_output_buffer(j->req), "z", 1);
}

int main(void) {
  struct event_base *base = event_base_new();
  struct evhttp *http = evhttp_new(base);
  struct job *j = calloc(1, sizeof *j);
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  int *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  if (http == NULL || j == NULL || bev == NULL || a == NULL || b == NULL)
    return 1;
  bufferevent_setcb(bev, on_buf, NULL, NULL, a);
  bufferevent_setcb(bev, on_buf, NULL, NULL, b);
  evhttp_set_cb(http, "/", on_req, NULL);
  evhttp_set_cb(http, "/defer", on_defer, j);
  event_new(base, -1, 0, finish_h, j);
  return event_base_dispatch(base);
}
