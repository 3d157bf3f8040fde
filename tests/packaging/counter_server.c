/* counter_server: a tiny line-protocol TCP server on libevent and the installed
 * Prism runtime, built outside Bazel by packaging_test.sh (with pkg-config and
 * with CMake) to show that the installed headers, libraries and package files
 * are enough for a server of someone else's.
 *
 * Protocol, one command per line, one reply line each:
 *   incr          "count N": N counts this connection's incr commands
 * (per-connection state) echo TEXT     "TEXT" quit          "bye N", N = lines
 * this connection sent; then the server closes it anything else "error unknown
 * command"
 *
 * Handlers: on_accept (listener), on_read, on_write, on_event (bufferevent),
 * on_signal (SIGTERM, SIGINT: stop). The connection is the context of the
 * bufferevent handlers; the only global the handlers share is
 * g_open_connections.
 *
 * usage: counter_server [PORT]   (0 or none: an ephemeral port on 127.0.0.1)
 * Prints "port=N" on stdout once listening, and the runtime's mode and worker
 * count on stderr.
 */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <prism/runtime.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct conn {
  struct bufferevent *bev;
  long increments;
  long lines;
  int closing; /* "quit" answered: close once the reply has left */
};

static prism_runtime *g_rt;
static long g_open_connections;

static void close_conn(struct conn *c) {
  bufferevent_free(c->bev);
  free(c);
  --g_open_connections;
}

static void answer(struct conn *c, const char *line) {
  struct evbuffer *out = bufferevent_get_output(c->bev);
  ++c->lines;
  if (strcmp(line, "incr") == 0) {
    evbuffer_add_printf(out, "count %ld\n", ++c->increments);
  } else if (strncmp(line, "echo ", 5) == 0) {
    evbuffer_add_printf(out, "%s\n", line + 5);
  } else if (strcmp(line, "quit") == 0) {
    evbuffer_add_printf(out, "bye %ld\n", c->lines);
    c->closing = 1;
  } else {
    evbuffer_add_printf(out, "error unknown command\n");
  }
}

static void on_read(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  char *line;
  size_t length;
  while (!c->closing &&
         (line = evbuffer_readln(bufferevent_get_input(bev), &length,
                                 EVBUFFER_EOL_LF)) != NULL) {
    answer(c, line);
    free(line);
  }
}

/* Runs after the output buffer drained. An invocation may run after on_read
 * queued more (a drain reported before the "quit" reply was added): close only
 * once nothing is left to send. */
static void on_write(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
    close_conn(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) close_conn(arg);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  struct event_base *base = arg;
  (void)listener;
  (void)sa;
  (void)socklen;
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL) {
    evutil_closesocket(fd);
    return;
  }
  c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (c->bev == NULL) {
    evutil_closesocket(fd);
    free(c);
    return;
  }
  ++g_open_connections;
  prism_bufferevent_setcb(g_rt, c->bev, on_read, on_write, on_event, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void on_signal(evutil_socket_t signum, short what, void *arg) {
  (void)signum;
  (void)what;
  event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  /* Handlers run on worker threads: libevent needs its locks before the base
   * exists. */
  if (evthread_use_pthreads() != 0) {
    fprintf(stderr, "counter_server: libevent has no pthreads support\n");
    return 1;
  }
  struct event_base *base = event_base_new();
  if (base == NULL) return 1;
  g_rt = prism_runtime_new(base, NULL);
  if (g_rt == NULL) return 1;
  fprintf(stderr, "counter_server: prism runtime mode: %s, workers: %d\n",
          prism_runtime_mode(g_rt), prism_runtime_workers(g_rt));

  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons((unsigned short)port);
  struct evconnlistener *listener = prism_evconnlistener_new_bind(
      g_rt, on_accept, base, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
      (struct sockaddr *)&sin, sizeof sin);
  if (listener == NULL) {
    perror("counter_server: listen");
    return 1;
  }
  socklen_t len = sizeof sin;
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&sin, &len);
  printf("port=%d\n", ntohs(sin.sin_port));
  fflush(stdout);

  struct event *sigterm = prism_evsignal_new(g_rt, SIGTERM, on_signal, base);
  struct event *sigint = prism_evsignal_new(g_rt, SIGINT, on_signal, base);
  event_add(sigterm, NULL);
  event_add(sigint, NULL);

  event_base_dispatch(base);

  /* A queued on_accept uses the listener: let every invocation finish before
   * freeing it. */
  prism_runtime_drain(g_rt);
  evconnlistener_free(listener);
  event_free(sigterm);
  event_free(sigint);
  prism_runtime_free(g_rt);
  event_base_free(base);
  fprintf(stderr, "counter_server: stopped, %ld connections open\n",
          g_open_connections);
  return 0;
}
