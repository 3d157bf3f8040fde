/* A small server on libevent's 1.x API (event_init, event_set, event_base_set,
 * event_once, event_dispatch), unchanged since libevent 1.4 servers were
 * written this way: each connection gets one line back ("echo: LINE") and is
 * closed. Prints "port=N" once it listens on an ephemeral loopback port; exits
 * 0 on SIGTERM. Used by preload_test.sh under `prism run`. */
#include <arpa/inet.h>
#include <event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct connection {
  struct event read_event;
  int fd;
};

static struct event accept_event;
static struct event term_event;
static long answered;

static void on_line(int fd, short what, void *arg) {
  struct connection *c = arg;
  char buf[256];
  (void)what;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = '\0';
    char reply[300];
    int len = snprintf(reply, sizeof reply, "echo: %s", buf);
    if (write(fd, reply, (size_t)len) != len) perror("write");
    ++answered;
  }
  close(fd);
  free(c);
}

static void on_accept(int fd, short what, void *arg) {
  (void)what;
  (void)arg;
  int client = accept(fd, NULL, NULL);
  if (client < 0) return;
  struct connection *c = malloc(sizeof *c);
  c->fd = client;
  event_set(&c->read_event, client, EV_READ, on_line, c);
  event_add(&c->read_event, NULL);
}

static void on_started(int fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fprintf(stderr, "legacy_server: started\n");
}

static void on_term(int sig, short what, void *arg) {
  (void)sig;
  (void)what;
  (void)arg;
  event_del(&accept_event);
  event_del(&term_event);
}

int main(void) {
  struct event_base *base = event_init();
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener < 0 ||
      bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(listener, 64) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &len) != 0) {
    perror("legacy_server: listen");
    return 1;
  }
  event_set(&accept_event, listener, EV_READ | EV_PERSIST, on_accept, NULL);
  event_base_set(base, &accept_event);
  event_add(&accept_event, NULL);
  signal_set(&term_event, SIGTERM, on_term, NULL);
  event_add(&term_event, NULL);
  struct timeval now = {0, 0};
  event_once(-1, EV_TIMEOUT, on_started, NULL, &now);
  printf("port=%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  event_dispatch();
  fprintf(stderr, "legacy_server: answered %ld\n", answered);
  event_base_free(base);
  return 0;
}
