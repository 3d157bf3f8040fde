// libevent's evhttp, evutil and configuration calls and the __sync builtins
// have models. on_request parses its request's URI, compares strings and
// answers through the request libevent made for it; answering writes the
// request's connection, which evhttp (unlocked) shares among the requests of
// one connection: the hidden state libevent:evhttp, so it conflicts with
// itself and with on_conn, which changes the connection, and with nothing
// else. on_count bumps g_hits with a __sync builtin: an atomic access of
// g_hits only (a conflict with itself, a suggested removal), free of
// on_other's plain global and of the evhttp handlers.
// Handlers sorted: 0 on_conn, 1 on_count, 2 on_other, 3 on_request.
// MATRIX: [[1,0,0,1],[0,1,0,0],[0,0,1,0],[1,0,0,1]]
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
static int g_hits;
static int g_other;
static void on_request(struct evhttp_request *req, void *arg) {
  (void)arg;
  if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
    evhttp_send_error(req, 405, "method not allowed");
    return;
  }
  struct evhttp_uri *uri = evhttp_uri_parse(evhttp_request_get_uri(req));
  const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
  char *decoded = path != NULL ? evhttp_uridecode(path, 0, NULL) : NULL;
  if (decoded != NULL && evutil_ascii_strcasecmp(decoded, "/") == 0)
    evhttp_send_reply(req, 200, "OK", NULL);
  else
    evhttp_send_error(req, 404, "not found");
  free(decoded);
  if (uri != NULL) evhttp_uri_free(uri);
}
static void on_conn(struct evhttp_request *req, void *arg) {
  (void)arg;
  evhttp_connection_set_timeout(evhttp_request_get_connection(req), 5);
  evhttp_send_reply(req, 200, "OK", NULL);
}
static void on_count(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  __sync_add_and_fetch(&g_hits, 1);
}
static void on_other(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what, (void)arg;
  g_other = 1;
}
int main(void) {
  setbuf(stdout, NULL);
  struct event_config *config = event_config_new();
  event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
  struct event_base *base = event_base_new_with_config(config);
  event_config_free(config);
  struct evhttp *http = evhttp_new(base);
  evhttp_set_cb(http, "/conn", on_conn, NULL);
  evhttp_set_gencb(http, on_request, NULL);
  evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
  event_add(event_new(base, -1, EV_PERSIST, on_count, NULL), NULL);
  event_add(event_new(base, -1, EV_PERSIST, on_other, NULL), NULL);
  return event_base_dispatch(base);
}
