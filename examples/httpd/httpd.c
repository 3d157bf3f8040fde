/* httpd: a small HTTP/1.1 server on libevent in the style of thttpd, Prism's
 * flagship example. See README.md beside this file.
 *
 * One source, three builds:
 *   default            serial: one thread, one event_base, plain libevent --
 *                      the program its author knows is correct.
 *   -DHTTPD_USE_PRISM  the same handlers registered through Prism's runtime
 *                      (the HTTPD_* registration macros below, one line each).
 *   -DHTTPD_THREADED   hand-threaded as libevent's maintainers advise and
 *                      memcached does: an event_base per worker thread,
 *                      connections handed out at accept through a pipe per
 *                      worker, shared state behind mutexes.
 *
 * Shared on purpose (it is what Prism's analyzer reports):
 *   g_cache     file cache: docroot files read once, evicted when idle
 *   g_stats     statistics counters (C11 atomics), shown by GET /stats
 *   g_log       access log (Common Log Format)
 *   g_throttle  per-client request counts in the current second
 *   g_clock     cached Date header and log timestamp, refreshed every second
 * Per connection (the handlers' context argument): parse state, request,
 * buffers.
 *
 * Routes: static files under the docroot (GET, HEAD), GET /stats, and the
 * CPU-heavy GET /render/NAME[?rows=N&work=N], a deterministic HTML page (a
 * table of hash chains seeded by NAME), ~0.25 ms of work by default.
 *
 * Handlers (each a libevent callback; the connection is the context):
 *   on_conn_read    parse request heads, throttle, answer static files and
 *                   /stats (access log line each); hand /render to on_render
 *                   (event_active on a per-connection event)
 *   on_render       render the page into the connection's buffers (context
 *                   and statistics counters only)
 *   on_conn_resume  after a render, answer requests that arrived meanwhile
 *   on_conn_write   only for the last response (Connection: close): closes
 *                   once it has left
 *   on_conn_event   EOF, error or idle timeout: close
 *   on_accept (listener), on_clock (1 s timer), on_signal (SIGINT, SIGTERM).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(HTTPD_USE_PRISM) && defined(HTTPD_THREADED)
#error \
    "HTTPD_USE_PRISM and HTTPD_THREADED are two different builds; define at most one"
#endif

#ifdef HTTPD_USE_PRISM
#include "prism/runtime.h"
#endif

#ifdef HTTPD_THREADED
#include <pthread.h>
#endif

/* ---- The programmer's override (see README.md): the statistics counters are
 * C11 atomics, updated with relaxed increments, so concurrent updates are safe.
 * Defining HTTPD_STATS_NO_CONFLICT when analysing tells Prism's analyzer so; it
 * changes no code. */
#ifdef HTTPD_STATS_NO_CONFLICT
#include "prism/annotations.h"
#define HTTPD_STATS_ANNOTATION \
  PRISM_NO_CONFLICT(           \
      "statistics counters are _Atomic, updated with relaxed increments")
#else
#define HTTPD_STATS_ANNOTATION
#endif

/* ---- Registration: the only lines that differ between the serial and the
 * Prism build. */
#ifdef HTTPD_USE_PRISM
static prism_runtime *g_rt; /* set once in main, before the loop runs */
#define HTTPD_EVENT_NEW(base, fd, what, cb, arg) \
  prism_event_new(g_rt, (fd), (what), cb, (arg))
#define HTTPD_BUFFEREVENT_SETCB(bev, readcb, writecb, eventcb, arg) \
  prism_bufferevent_setcb(g_rt, (bev), readcb, writecb, eventcb, (arg))
#define HTTPD_LISTENER_NEW_BIND(base, cb, arg, flags, backlog, sa, len)    \
  prism_evconnlistener_new_bind(g_rt, cb, (arg), (flags), (backlog), (sa), \
                                (len))
#define HTTPD_BEV_OPTIONS (BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE)
#define HTTPD_LEV_OPTIONS \
  (LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_THREADSAFE)
#else
#define HTTPD_EVENT_NEW(base, fd, what, cb, arg) \
  event_new((base), (fd), (what), cb, (arg))
#define HTTPD_BUFFEREVENT_SETCB(bev, readcb, writecb, eventcb, arg) \
  bufferevent_setcb((bev), readcb, writecb, eventcb, (arg))
#define HTTPD_LISTENER_NEW_BIND(base, cb, arg, flags, backlog, sa, len) \
  evconnlistener_new_bind((base), cb, (arg), (flags), (backlog), (sa), (len))
#ifdef HTTPD_THREADED
#define HTTPD_BEV_OPTIONS (BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE)
#define HTTPD_LEV_OPTIONS \
  (LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_THREADSAFE)
#else
#define HTTPD_BEV_OPTIONS BEV_OPT_CLOSE_ON_FREE
#define HTTPD_LEV_OPTIONS (LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE)
#endif
#endif

/* ---- Locks: real mutexes in the hand-threaded build, nothing in the others
 * (the serial build needs none; the Prism build relies on the analyzer's
 * constraints instead). */
#ifdef HTTPD_THREADED
#define SHARED_LOCK_DECLARE(name) \
  static pthread_mutex_t name = PTHREAD_MUTEX_INITIALIZER
#define SHARED_LOCK(name) pthread_mutex_lock(&(name))
#define SHARED_UNLOCK(name) pthread_mutex_unlock(&(name))
#else
#define SHARED_LOCK_DECLARE(name) struct httpd_unused_##name
#define SHARED_LOCK(name) ((void)0)
#define SHARED_UNLOCK(name) ((void)0)
#endif

enum {
  MAX_HEAD = 8192,            /* longest request head accepted */
  MAX_PATH_LEN = 1024,        /* longest decoded path */
  MAX_CACHED_FILE = 8 << 20,  /* larger files are refused (403) */
  CACHE_BUCKETS = 256,        /* file cache hash buckets */
  CACHE_IDLE_SECONDS = 30,    /* on_clock evicts entries unused this long */
  THROTTLE_BUCKETS = 256,     /* throttle table hash buckets */
  IDLE_TIMEOUT_SECONDS = 60,  /* keep-alive and write timeout */
  DEFAULT_RENDER_ROWS = 64,   /* /render table rows */
  DEFAULT_RENDER_WORK = 1200, /* hash rounds per row */
  MAX_RENDER_ROWS = 4096,
  MAX_RENDER_WORK = 100000,
};

/* ---- Configuration: written by main before the loop starts, read-only
 * afterwards. */
struct config {
  const char *docroot;
  const char *log_path;
  const char *bind_addr;
  int port;
  int threads;          /* hand-threaded build: worker threads */
  int throttle_per_sec; /* per-client requests per second; 0 = unlimited (still
                           counted) */
  int fixed_date; /* test mode: a constant Date header, so responses compare
                     exactly */
};
static struct config g_config = {".", NULL, "127.0.0.1", 0, 0, 0, 0};

/* ---- Statistics. */
struct stats {
  atomic_ulong connections;
  atomic_ulong requests;
  atomic_ulong responses_2xx;
  atomic_ulong responses_4xx;
  atomic_ulong responses_5xx;
  atomic_ulong bytes_sent;
  atomic_ulong cache_hits;
  atomic_ulong cache_misses;
  atomic_ulong renders;
  atomic_ulong throttled;
};
static struct stats g_stats HTTPD_STATS_ANNOTATION;

static void stat_add(atomic_ulong *counter, unsigned long n) {
  atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static unsigned long stat_get(atomic_ulong *counter) {
  return atomic_load_explicit(counter, memory_order_relaxed);
}

/* ---- Clock: the Date header and the log timestamp, refreshed once a second by
 * on_clock. */
struct clock_strings {
  char http_date[64]; /* "Thu, 01 Jan 1970 00:00:00 GMT" */
  char log_date[64];  /* "01/Jan/1970:00:00:00 +0000" */
};
static struct clock_strings g_clock;
SHARED_LOCK_DECLARE(g_clock_lock);

static void clock_refresh(void) {
  time_t now = g_config.fixed_date ? 0 : time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  SHARED_LOCK(g_clock_lock);
  strftime(g_clock.http_date, sizeof g_clock.http_date,
           "%a, %d %b %Y %H:%M:%S GMT", &tm);
  strftime(g_clock.log_date, sizeof g_clock.log_date, "%d/%b/%Y:%H:%M:%S +0000",
           &tm);
  SHARED_UNLOCK(g_clock_lock);
}

/* ---- File cache: path -> contents. Entries are immutable once inserted;
 * on_clock evicts the ones that have been idle for CACHE_IDLE_SECONDS. */
struct cache_entry {
  char *path;
  char *data;
  size_t size;
  time_t last_used;
  struct cache_entry *next;
};
static struct cache_entry *g_cache[CACHE_BUCKETS];
SHARED_LOCK_DECLARE(g_cache_lock);

static uint32_t hash_string(const char *s) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

/* Reads a whole regular file into a new buffer. On failure returns NULL and
 * sets *status to 403 or 404. */
static char *read_file(const char *path, size_t *size, int *status) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *status = errno == EACCES ? 403 : 404;
    return NULL;
  }
  struct stat st;
  *status = 404;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return NULL;
  }
  *status = 403;
  char *buf = NULL;
  if (st.st_size <= MAX_CACHED_FILE) {
    buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
  }
  if (buf == NULL) {
    close(fd);
    return NULL;
  }
  size_t done = 0;
  while (done < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  close(fd);
  *size = done;
  *status = 200;
  return buf;
}

/* Appends the file at `path` (already validated, relative to the docroot) to
 * `out`. Returns an HTTP status; on 200 *size is the number of bytes appended
 * (or that would be, for HEAD). */
static int cache_serve(const char *path, struct evbuffer *out, int head_only,
                       size_t *size) {
  uint32_t bucket = hash_string(path) % CACHE_BUCKETS;
  int status = 200;
  SHARED_LOCK(g_cache_lock);
  struct cache_entry *e = g_cache[bucket];
  while (e != NULL && strcmp(e->path, path) != 0) e = e->next;
  if (e != NULL) {
    stat_add(&g_stats.cache_hits, 1);
  } else {
    stat_add(&g_stats.cache_misses, 1);
    size_t len = 0;
    char *data = read_file(path, &len, &status);
    if (data != NULL) {
      /* A new entry is built in `fresh`, apart from the chain walked above. */
      struct cache_entry *fresh = calloc(1, sizeof *fresh);
      char *key = strdup(path);
      if (fresh == NULL || key == NULL) {
        free(fresh);
        free(key);
        free(data);
        status = 403;
      } else {
        fresh->path = key;
        fresh->data = data;
        fresh->size = len;
        fresh->next = g_cache[bucket];
        g_cache[bucket] = fresh;
        e = fresh;
      }
    }
  }
  if (status == 200) {
    e->last_used = time(NULL);
    *size = e->size;
    if (!head_only) evbuffer_add(out, e->data, e->size);
  }
  SHARED_UNLOCK(g_cache_lock);
  return status;
}

static void cache_evict_idle(time_t now) {
  SHARED_LOCK(g_cache_lock);
  for (int b = 0; b < CACHE_BUCKETS; ++b) {
    struct cache_entry **link = &g_cache[b];
    while (*link != NULL) {
      struct cache_entry *e = *link;
      if (now - e->last_used >= CACHE_IDLE_SECONDS) {
        *link = e->next;
        free(e->path);
        free(e->data);
        free(e);
      } else {
        link = &e->next;
      }
    }
  }
  SHARED_UNLOCK(g_cache_lock);
}

/* ---- Per-client throttle table: requests seen from each client address this
 * second. */
struct throttle_entry {
  char *client;
  unsigned long count;
  struct throttle_entry *next;
};
static struct throttle_entry *g_throttle[THROTTLE_BUCKETS];
SHARED_LOCK_DECLARE(g_throttle_lock);

/* Counts one request from `client`; returns 1 when it is over the limit. */
static int throttle_check(const char *client) {
  uint32_t bucket = hash_string(client) % THROTTLE_BUCKETS;
  int over = 0;
  SHARED_LOCK(g_throttle_lock);
  struct throttle_entry *e = g_throttle[bucket];
  while (e != NULL && strcmp(e->client, client) != 0) e = e->next;
  if (e == NULL) {
    struct throttle_entry *fresh = calloc(1, sizeof *fresh);
    char *key = strdup(client);
    if (fresh == NULL || key == NULL) {
      free(fresh);
      free(key);
    } else {
      fresh->client = key;
      fresh->next = g_throttle[bucket];
      g_throttle[bucket] = fresh;
      e = fresh;
    }
  }
  if (e != NULL) {
    e->count++;
    over = g_config.throttle_per_sec > 0 &&
           e->count > (unsigned long)g_config.throttle_per_sec;
  }
  SHARED_UNLOCK(g_throttle_lock);
  return over;
}

/* A new second: forget every count. */
static void throttle_reset(void) {
  SHARED_LOCK(g_throttle_lock);
  for (int b = 0; b < THROTTLE_BUCKETS; ++b) {
    while (g_throttle[b] != NULL) {
      struct throttle_entry *e = g_throttle[b];
      g_throttle[b] = e->next;
      free(e->client);
      free(e);
    }
  }
  SHARED_UNLOCK(g_throttle_lock);
}

/* ---- Access log. */
static FILE *g_log;
SHARED_LOCK_DECLARE(g_log_lock);

/* ---- Connections. */
/* READING: requests are parsed and answered as they arrive (answers queue up in
 * order). RENDERING: on_render is pending. RESUMING: the page is queued and
 * on_conn_resume is pending (requests arrived meanwhile). CLOSING: the last
 * response is leaving; on_conn_write closes once it has. */
enum conn_state { CONN_READING, CONN_RENDERING, CONN_RESUMING, CONN_CLOSING };

struct request {
  char head[MAX_HEAD + 1];
  char method[8];
  char path[MAX_PATH_LEN + 1]; /* decoded, without the query */
  char query[256];
  char request_line[512]; /* for the access log */
  int http_minor;
  int head_only;
  int keep_alive;
};

struct conn {
  struct bufferevent *bev;
  struct event *render_ev; /* on_render, activated for /render */
  struct event *resume_ev; /* on_conn_resume, activated by on_render */
  char peer[INET6_ADDRSTRLEN];
  enum conn_state state;
  int close_after; /* close once the response has left */
  int closing;     /* the peer went away while an event was pending */
  int log_pending; /* the response below is not in the access log yet */
  struct request req;
  char date[64];     /* the Date header: the clock when the request arrived */
  int status;        /* of the response in flight, for the access log */
  size_t body_bytes; /* ditto */
  struct evbuffer *body; /* the payload being built */
  struct evbuffer *resp; /* the response being assembled */
};

static void on_conn_read(struct bufferevent *bev, void *arg);
static void on_conn_write(struct bufferevent *bev, void *arg);
static void on_conn_event(struct bufferevent *bev, short events, void *arg);
static void on_render(evutil_socket_t fd, short what, void *arg);
static void on_conn_resume(evutil_socket_t fd, short what, void *arg);

static const char *status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Internal Server Error";
  }
}

static void conn_free(struct conn *c) {
  if (c->render_ev != NULL) event_free(c->render_ev);
  if (c->resume_ev != NULL) event_free(c->resume_ev);
  if (c->body != NULL) evbuffer_free(c->body);
  if (c->resp != NULL) evbuffer_free(c->resp);
  bufferevent_free(c->bev);
  free(c);
}

/* Writes the access log line of the last response, once. */
static void log_access(struct conn *c) {
  if (!c->log_pending) return;
  c->log_pending = 0;
  if (g_log == NULL) return;
  char date[64];
  SHARED_LOCK(g_clock_lock);
  memcpy(date, g_clock.log_date, sizeof date);
  SHARED_UNLOCK(g_clock_lock);
  SHARED_LOCK(g_log_lock);
  fprintf(g_log, "%s - - [%s] \"%s\" %d %zu\n", c->peer, date,
          c->req.request_line, c->status, c->body_bytes);
  SHARED_UNLOCK(g_log_lock);
}

static struct conn *conn_new(struct event_base *base, evutil_socket_t fd,
                             const struct sockaddr *sa) {
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL) {
    evutil_closesocket(fd);
    return NULL;
  }
  if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, c->peer,
              sizeof c->peer);
  } else {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, c->peer,
              sizeof c->peer);
  }
  c->bev = bufferevent_socket_new(base, fd, HTTPD_BEV_OPTIONS);
  c->body = evbuffer_new();
  c->resp = evbuffer_new();
  c->render_ev = HTTPD_EVENT_NEW(base, -1, 0, on_render, c);
  c->resume_ev = HTTPD_EVENT_NEW(base, -1, 0, on_conn_resume, c);
  if (c->bev == NULL || c->body == NULL || c->resp == NULL ||
      c->render_ev == NULL || c->resume_ev == NULL) {
    if (c->bev == NULL) evutil_closesocket(fd);
    if (c->render_ev != NULL) event_free(c->render_ev);
    if (c->resume_ev != NULL) event_free(c->resume_ev);
    if (c->body != NULL) evbuffer_free(c->body);
    if (c->resp != NULL) evbuffer_free(c->resp);
    if (c->bev != NULL) bufferevent_free(c->bev);
    free(c);
    return NULL;
  }
  c->state = CONN_READING;
  struct timeval idle = {IDLE_TIMEOUT_SECONDS, 0};
  bufferevent_set_timeouts(c->bev, &idle, &idle);
  /* No write callback while the connection is kept alive: answers are queued in
   * order and nothing waits for them to leave. finish_response installs
   * on_conn_write for the last response. */
  HTTPD_BUFFEREVENT_SETCB(c->bev, on_conn_read, NULL, on_conn_event, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  return c;
}

/* Starts a response: the status line and headers go to c->resp, where the body
 * follows. The whole response reaches the connection's output at once
 * (finish_response), so the write callback never sees half of it. */
static void start_response(struct conn *c, int status, const char *content_type,
                           size_t content_length) {
  evbuffer_drain(c->resp, evbuffer_get_length(c->resp));
  evbuffer_add_printf(
      c->resp,
      "HTTP/1.1 %d %s\r\nServer: prism-httpd\r\nDate: %s\r\n"
      "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n",
      status, status_text(status), c->date, content_type, content_length,
      c->close_after ? "close" : "keep-alive");
  c->status = status;
  c->body_bytes = content_length;
  stat_add(&g_stats.requests, 1);
  stat_add(status < 300   ? &g_stats.responses_2xx
           : status < 500 ? &g_stats.responses_4xx
                          : &g_stats.responses_5xx,
           1);
  stat_add(&g_stats.bytes_sent, content_length);
}

static void finish_response(struct conn *c) {
  c->log_pending = 1;
  if (c->close_after) {
    /* The last response: on_conn_write closes once it has left. Installed
     * before the response is queued, so the drain cannot be missed. */
    c->state = CONN_CLOSING;
    bufferevent_disable(c->bev, EV_READ);
    HTTPD_BUFFEREVENT_SETCB(c->bev, on_conn_read, on_conn_write, on_conn_event,
                            c);
  }
  evbuffer_add_buffer(bufferevent_get_output(c->bev), c->resp);
}

static void send_error(struct conn *c, int status) {
  char body[256];
  int n =
      snprintf(body, sizeof body, "<html><body><h1>%d %s</h1></body></html>\n",
               status, status_text(status));
  if (status >= 500 || status == 400 || status == 414 || status == 431)
    c->close_after = 1;
  start_response(c, status, "text/html; charset=utf-8", (size_t)n);
  if (!c->req.head_only) evbuffer_add(c->resp, body, (size_t)n);
  finish_response(c);
}

static const char *content_type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  if (dot == NULL) return "application/octet-stream";
  static const struct {
    const char *ext, *type;
  } kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".css", "text/css"},
      {".js", "application/javascript"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".gif", "image/gif"},
      {".svg", "image/svg+xml"},
  };
  for (size_t i = 0; i < sizeof kTypes / sizeof kTypes[0]; ++i) {
    if (strcasecmp(dot, kTypes[i].ext) == 0) return kTypes[i].type;
  }
  return "application/octet-stream";
}

static void send_file(struct conn *c) {
  char full[PATH_MAX];
  const char *rel = c->req.path + 1; /* skip the leading '/' */
  size_t len = strlen(c->req.path);
  int n = snprintf(full, sizeof full, "%s/%s%s", g_config.docroot, rel,
                   c->req.path[len - 1] == '/' ? "index.html" : "");
  if (n < 0 || (size_t)n >= sizeof full) {
    send_error(c, 414);
    return;
  }
  size_t size = 0;
  evbuffer_drain(c->body, evbuffer_get_length(c->body));
  int status = cache_serve(full, c->body, c->req.head_only, &size);
  if (status != 200) {
    send_error(c, status);
    return;
  }
  start_response(c, 200, content_type_of(full), size);
  evbuffer_add_buffer(c->resp, c->body);
  finish_response(c);
}

static void send_stats(struct conn *c) {
  char body[1024];
  int n = snprintf(
      body, sizeof body,
      "connections %lu\nrequests %lu\nresponses_2xx %lu\nresponses_4xx %lu\n"
      "responses_5xx %lu\nbytes_sent %lu\ncache_hits %lu\ncache_misses %lu\n"
      "renders %lu\nthrottled %lu\n",
      stat_get(&g_stats.connections), stat_get(&g_stats.requests),
      stat_get(&g_stats.responses_2xx), stat_get(&g_stats.responses_4xx),
      stat_get(&g_stats.responses_5xx), stat_get(&g_stats.bytes_sent),
      stat_get(&g_stats.cache_hits), stat_get(&g_stats.cache_misses),
      stat_get(&g_stats.renders), stat_get(&g_stats.throttled));
  start_response(c, 200, "text/plain; charset=utf-8", (size_t)n);
  if (!c->req.head_only) evbuffer_add(c->resp, body, (size_t)n);
  finish_response(c);
}

static int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Percent-decodes `in` (length n) into out (MAX_PATH_LEN + 1 bytes); refuses
 * NUL bytes, backslashes and ".." segments. Returns an HTTP status (200 when
 * valid). */
static int decode_path(const char *in, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    char ch = in[i];
    if (ch == '%') {
      int hi = i + 2 < n ? hex_value(in[i + 1]) : -1;
      int lo = i + 2 < n ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return 400;
      ch = (char)(hi * 16 + lo);
      i += 2;
    }
    if (ch == '\0' || ch == '\\') return 400;
    if (o >= MAX_PATH_LEN) return 414;
    out[o++] = ch;
  }
  out[o] = '\0';
  if (o == 0 || out[0] != '/') return 400;
  /* No ".." segment anywhere: "/../x", "/a/..", "/a/../b". */
  for (const char *p = out; (p = strstr(p, "..")) != NULL; p += 2) {
    if ((p == out || p[-1] == '/') && (p[2] == '\0' || p[2] == '/')) return 403;
  }
  return 200;
}

static int header_has_token(const char *value, const char *token) {
  size_t len = strlen(token);
  for (const char *p = value; *p;) {
    while (*p == ' ' || *p == '\t' || *p == ',') ++p;
    const char *end = p;
    while (*end && *end != ',') ++end;
    const char *trim = end;
    while (trim > p && (trim[-1] == ' ' || trim[-1] == '\t')) --trim;
    if ((size_t)(trim - p) == len && strncasecmp(p, token, len) == 0) return 1;
    p = end;
  }
  return 0;
}

/* Parses c->req.head (NUL-terminated, ends with CRLFCRLF). Returns an HTTP
 * status. */
static int parse_request(struct conn *c) {
  struct request *r = &c->req;
  char *line_end = strstr(r->head, "\r\n");
  if (line_end == NULL) return 400;
  *line_end = '\0';
  snprintf(r->request_line, sizeof r->request_line, "%.*s",
           (int)sizeof r->request_line - 1, r->head);
  char *sp1 = strchr(r->head, ' ');
  char *sp2 = sp1 != NULL ? strchr(sp1 + 1, ' ') : NULL;
  if (sp1 == NULL || sp2 == NULL || strchr(sp2 + 1, ' ') != NULL) return 400;
  size_t method_len = (size_t)(sp1 - r->head);
  if (method_len == 0 || method_len >= sizeof r->method) return 501;
  memcpy(r->method, r->head, method_len);
  r->method[method_len] = '\0';
  const char *version = sp2 + 1;
  if (strncmp(version, "HTTP/1.", 7) != 0 ||
      !isdigit((unsigned char)version[7]) || version[8] != '\0') {
    return strncmp(version, "HTTP/", 5) == 0 ? 505 : 400;
  }
  r->http_minor = version[7] - '0';
  r->keep_alive = r->http_minor >= 1;
  r->head_only = strcmp(r->method, "HEAD") == 0;

  /* Headers: only Connection and Content-Length matter here. */
  for (char *line = line_end + 2;
       *line != '\0' && strncmp(line, "\r\n", 2) != 0;) {
    char *end = strstr(line, "\r\n");
    if (end == NULL) return 400;
    *end = '\0';
    char *colon = strchr(line, ':');
    if (colon == NULL) return 400;
    *colon = '\0';
    char *value = colon + 1;
    while (*value == ' ' || *value == '\t') ++value;
    if (strcasecmp(line, "Connection") == 0) {
      if (header_has_token(value, "close")) r->keep_alive = 0;
      if (header_has_token(value, "keep-alive")) r->keep_alive = 1;
    } else if (strcasecmp(line, "Content-Length") == 0 &&
               strcmp(value, "0") != 0) {
      return 400; /* GET and HEAD take no body; we do not read one */
    } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
      return 400;
    }
    line = end + 2;
  }

  if (strcmp(r->method, "GET") != 0 && !r->head_only) return 501;
  const char *target = sp1 + 1;
  size_t target_len = (size_t)(sp2 - target);
  const char *q = memchr(target, '?', target_len);
  size_t path_len = q != NULL ? (size_t)(q - target) : target_len;
  if (q != NULL) {
    size_t query_len = target_len - path_len - 1;
    if (query_len >= sizeof r->query) return 414;
    memcpy(r->query, q + 1, query_len);
    r->query[query_len] = '\0';
  } else {
    r->query[0] = '\0';
  }
  return decode_path(target, path_len, r->path);
}

/* Reads a small positive integer parameter ("rows=12") from a query string:
 * `fallback` when absent, -1 when malformed or above `max`. */
static int query_int(const char *query, const char *name, int fallback,
                     int max) {
  size_t len = strlen(name);
  size_t i = 0;
  while (query[i] != '\0') {
    if (strncmp(query + i, name, len) == 0 && query[i + len] == '=') {
      long v = 0;
      size_t k = i + len + 1;
      if (!isdigit((unsigned char)query[k])) return -1;
      for (; isdigit((unsigned char)query[k]); ++k) {
        v = v * 10 + (query[k] - '0');
        if (v > max) return -1;
      }
      if ((query[k] != '\0' && query[k] != '&') || v < 1) return -1;
      return (int)v;
    }
    while (query[i] != '\0' && query[i] != '&') ++i;
    if (query[i] == '&') ++i;
  }
  return fallback;
}

/* Answers the next complete request in the input, if any. Returns 1 when it
 * answered one and the next may follow right away. */
static int process_request(struct conn *c) {
  struct evbuffer *in = bufferevent_get_input(c->bev);
  SHARED_LOCK(g_clock_lock);
  memcpy(c->date, g_clock.http_date, sizeof c->date);
  SHARED_UNLOCK(g_clock_lock);

  struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
  if (end.pos < 0 || end.pos + 4 > MAX_HEAD) {
    if (end.pos >= 0 || evbuffer_get_length(in) > MAX_HEAD) {
      memset(&c->req, 0, sizeof c->req);
      snprintf(c->req.request_line, sizeof c->req.request_line, "-");
      send_error(c, 431);
    }
    return 0;
  }
  memset(&c->req, 0, sizeof c->req);
  size_t head_len = (size_t)end.pos + 4;
  evbuffer_remove(in, c->req.head, head_len);
  c->req.head[head_len] = '\0';
  int status = parse_request(c);
  c->close_after = !c->req.keep_alive;
  if (status != 200) {
    send_error(c, status);
  } else if (throttle_check(c->peer)) {
    stat_add(&g_stats.throttled, 1);
    send_error(c, 503);
  } else if (strcmp(c->req.path, "/stats") == 0) {
    send_stats(c);
  } else if (strncmp(c->req.path, "/render/", 8) == 0 &&
             c->req.path[8] != '\0') {
    c->state = CONN_RENDERING;
    event_active(c->render_ev, EV_TIMEOUT, 1);
    return 0;
  } else {
    send_file(c);
  }
  return 1;
}

/* Answers every complete request in the input (pipelining), in order, until a
 * /render hands over to on_render or the connection is closing. */
static void process_input(struct conn *c) {
  log_access(c); /* a page rendered since the last request */
  while (c->state == CONN_READING && process_request(c)) log_access(c);
  log_access(c);
}

/* ---- Handlers. */

static void on_conn_read(struct bufferevent *bev, void *arg) {
  (void)bev;
  struct conn *c = arg;
  if (c->state == CONN_READING) process_input(c);
}

/* The CPU-heavy route: a table of hash chains seeded by the page name.
 * Deterministic. */
static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

static void on_render(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct conn *c = arg;
  if (c->closing) {
    conn_free(c);
    return;
  }
  int rows =
      query_int(c->req.query, "rows", DEFAULT_RENDER_ROWS, MAX_RENDER_ROWS);
  int work =
      query_int(c->req.query, "work", DEFAULT_RENDER_WORK, MAX_RENDER_WORK);
  if (rows < 0 || work < 0) {
    send_error(c, 400);
    return;
  }
  const char *name = c->req.path + 8;
  struct evbuffer *body = c->body;
  evbuffer_drain(body, evbuffer_get_length(body));
  evbuffer_add_printf(
      body,
      "<!DOCTYPE html>\n<html><head><title>%s</title></head><body>\n"
      "<h1>%s</h1>\n<table>\n",
      name, name);
  uint64_t h = hash_string(name);
  for (int row = 0; row < rows; ++row) {
    uint64_t acc = 0;
    for (int k = 0; k < work; ++k) {
      h = mix64(h + (uint64_t)k);
      acc ^= h;
    }
    evbuffer_add_printf(
        body, "<tr><td>%d</td><td>%016llx</td><td>%016llx</td></tr>\n", row,
        (unsigned long long)h, (unsigned long long)acc);
  }
  evbuffer_add_printf(body, "</table>\n</body></html>\n");
  stat_add(&g_stats.renders, 1);
  start_response(c, 200, "text/html; charset=utf-8", evbuffer_get_length(body));
  if (c->req.head_only) {
    evbuffer_drain(body, evbuffer_get_length(body));
  } else {
    evbuffer_add_buffer(c->resp, body);
  }
  finish_response(c);
  if (c->state == CONN_CLOSING) return;
  /* The page's log line waits in the connection for the next global handler
   * (its next request, or its close). Requests that arrived during the render
   * already sit in the input, where no read callback will announce them again:
   * on_conn_resume answers them. */
  c->state = CONN_READING;
  if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) {
    c->state = CONN_RESUMING;
    event_active(c->resume_ev, EV_TIMEOUT, 1);
  }
}

/* Registered by finish_response for the last response of a connection. */
static void on_conn_write(struct bufferevent *bev, void *arg) {
  struct conn *c = arg;
  /* "The output drained" is a fact about the buffer, checked here rather than
   * assumed from the call: a scheduler may run a callback late. */
  if (c->state != CONN_CLOSING ||
      evbuffer_get_length(bufferevent_get_output(bev)) > 0)
    return;
  log_access(c);
  conn_free(c);
}

/* After on_render: logs the page and answers requests that arrived meanwhile.
 */
static void on_conn_resume(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  struct conn *c = arg;
  log_access(c);
  if (c->closing) {
    conn_free(c);
    return;
  }
  c->state = CONN_READING;
  process_input(c);
}

static void on_conn_event(struct bufferevent *bev, short events, void *arg) {
  (void)bev;
  (void)events; /* EOF, error or timeout: the connection is over either way */
  struct conn *c = arg;
  if (c->state == CONN_RENDERING || c->state == CONN_RESUMING) {
    c->closing = 1; /* an event of ours is pending; it frees the connection */
    bufferevent_disable(c->bev, EV_READ | EV_WRITE);
    return;
  }
  log_access(c);
  conn_free(c);
}

static void on_clock(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  clock_refresh();
  throttle_reset();
  cache_evict_idle(time(NULL));
  if (g_log != NULL) {
    SHARED_LOCK(g_log_lock);
    fflush(g_log);
    SHARED_UNLOCK(g_log_lock);
  }
}

static void on_signal(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopexit((struct event_base *)arg, NULL);
}

/* ---- Hand-threaded build: worker threads, each with its own event_base. */
#ifdef HTTPD_THREADED
struct handoff {
  evutil_socket_t fd;
  struct sockaddr_storage addr;
};

struct worker {
  pthread_t thread;
  struct event_base *base;
  struct event *notify_ev;
  int notify_fds[2]; /* the listener writes struct handoff to [1] */
};
static struct worker *g_workers;
static atomic_uint g_next_worker;

static void on_worker_notify(evutil_socket_t fd, short what, void *arg) {
  (void)what;
  struct worker *w = arg;
  struct handoff h;
  while (read(fd, &h, sizeof h) == (ssize_t)sizeof h) {
    conn_new(w->base, h.fd, (const struct sockaddr *)&h.addr);
  }
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
  return NULL;
}
#endif

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *sa, int socklen, void *arg) {
  (void)listener;
  (void)arg;
  stat_add(&g_stats.connections, 1);
#ifdef HTTPD_THREADED
  struct handoff h;
  memset(&h, 0, sizeof h);
  h.fd = fd;
  memcpy(&h.addr, sa,
         (size_t)socklen < sizeof h.addr ? (size_t)socklen : sizeof h.addr);
  unsigned i = atomic_fetch_add(&g_next_worker, 1) % (unsigned)g_config.threads;
  if (write(g_workers[i].notify_fds[1], &h, sizeof h) != (ssize_t)sizeof h) {
    evutil_closesocket(fd);
  }
#else
  (void)socklen;
  conn_new(evconnlistener_get_base(listener), fd, sa);
#endif
}

#ifdef HTTPD_USE_PRISM
/* The runtime's telemetry at exit: which constraints held handlers back, and
 * for how long, the costliest first. What to look at before an override. */
static void print_constraint_costs(void) {
  struct prism_constraint_stat stats[10];
  size_t n = prism_runtime_constraint_stats(g_rt, stats, 10);
  for (size_t i = 0; i < n && i < 10; ++i) {
    fprintf(stderr,
            "httpd: prism: %s waited for %s (%s conflict) %llu times, "
            "%.1f ms in all\n",
            stats[i].waiting_handler, stats[i].running_handler,
            stats[i].kind == 1 ? "global" : "context",
            (unsigned long long)stats[i].waits, stats[i].wait_nanos / 1e6);
  }
}
#endif

static void usage(FILE *out) {
  fputs(
      "usage: httpd [--port N] [--bind ADDR] [--docroot DIR] [--log FILE] "
      "[--threads N]\n"
      "             [--throttle N] [--fixed-date]\n"
      "  --port N       port to listen on; 0 (default) picks a free one. The "
      "bound port is\n"
      "                 printed on stdout as the line 'port=N'.\n"
      "  --bind ADDR    IPv4 address to listen on (default 127.0.0.1)\n"
      "  --docroot DIR  directory of static files (default .)\n"
      "  --log FILE     access log, Common Log Format (default: none)\n"
      "  --threads N    worker threads of the hand-threaded build (default: "
      "cores)\n"
      "  --throttle N   per-client requests per second before 503 (default 0: "
      "unlimited)\n"
      "  --fixed-date   send a constant Date header (tests compare responses "
      "byte for byte)\n"
      "routes: static files, GET /stats, GET /render/NAME[?rows=N&work=N]\n",
      out);
}

static int parse_int_arg(const char *flag, const char *text, int min, int max,
                         int *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
    fprintf(stderr, "httpd: %s wants an integer in [%d, %d], got '%s'\n", flag,
            min, max, text);
    return -1;
  }
  *out = (int)v;
  return 0;
}

static int parse_args(int argc, char **argv) {
  static const struct option kOptions[] = {
      {"port", required_argument, NULL, 'p'},
      {"bind", required_argument, NULL, 'b'},
      {"docroot", required_argument, NULL, 'd'},
      {"log", required_argument, NULL, 'l'},
      {"threads", required_argument, NULL, 't'},
      {"throttle", required_argument, NULL, 'r'},
      {"fixed-date", no_argument, NULL, 'f'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int opt;
  while ((opt = getopt_long(argc, argv, "p:b:d:l:t:r:fh", kOptions, NULL)) !=
         -1) {
    switch (opt) {
      case 'p':
        if (parse_int_arg("--port", optarg, 0, 65535, &g_config.port) != 0)
          return -1;
        break;
      case 'b':
        g_config.bind_addr = optarg;
        break;
      case 'd':
        g_config.docroot = optarg;
        break;
      case 'l':
        g_config.log_path = optarg;
        break;
      case 't':
        if (parse_int_arg("--threads", optarg, 1, 256, &g_config.threads) != 0)
          return -1;
        break;
      case 'r':
        if (parse_int_arg("--throttle", optarg, 0, INT_MAX,
                          &g_config.throttle_per_sec) != 0) {
          return -1;
        }
        break;
      case 'f':
        g_config.fixed_date = 1;
        break;
      case 'h':
        usage(stdout);
        exit(0);
      default:
        usage(stderr);
        return -1;
    }
  }
  if (optind != argc) {
    fprintf(stderr, "httpd: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return -1;
  }
  struct stat st;
  if (stat(g_config.docroot, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "httpd: docroot '%s' is not a directory\n",
            g_config.docroot);
    return -1;
  }
  if (g_config.threads == 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    g_config.threads = cores > 0 ? (int)cores : 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (parse_args(argc, argv) != 0) return 2;
  signal(SIGPIPE, SIG_IGN);
  if (g_config.log_path != NULL) {
    g_log = fopen(g_config.log_path, "ae");
    if (g_log == NULL) {
      fprintf(stderr, "httpd: cannot open log '%s': %s\n", g_config.log_path,
              strerror(errno));
      return 1;
    }
  }
  clock_refresh();

#if defined(HTTPD_USE_PRISM) || defined(HTTPD_THREADED)
  if (evthread_use_pthreads() != 0) {
    fprintf(stderr, "httpd: libevent has no pthread support\n");
    return 1;
  }
#endif
  struct event_base *base = event_base_new();
  if (base == NULL) {
    fprintf(stderr, "httpd: event_base_new failed\n");
    return 1;
  }
#ifdef HTTPD_USE_PRISM
  g_rt = prism_runtime_new(base, NULL);
  if (g_rt == NULL) {
    fprintf(stderr, "httpd: prism_runtime_new failed\n");
    return 1;
  }
  fprintf(stderr, "httpd: prism runtime mode: %s\n", prism_runtime_mode(g_rt));
#endif

  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_port = htons((uint16_t)g_config.port);
  if (inet_pton(AF_INET, g_config.bind_addr, &sin.sin_addr) != 1) {
    fprintf(stderr, "httpd: --bind wants an IPv4 address, got '%s'\n",
            g_config.bind_addr);
    return 2;
  }
  struct evconnlistener *listener =
      HTTPD_LISTENER_NEW_BIND(base, on_accept, NULL, HTTPD_LEV_OPTIONS, 1024,
                              (struct sockaddr *)&sin, (int)sizeof sin);
  if (listener == NULL) {
    fprintf(stderr, "httpd: cannot listen on %s:%d: %s\n", g_config.bind_addr,
            g_config.port, strerror(errno));
    return 1;
  }
  struct sockaddr_in bound;
  socklen_t bound_len = sizeof bound;
  getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&bound,
              &bound_len);

#ifdef HTTPD_THREADED
  g_workers = calloc((size_t)g_config.threads, sizeof *g_workers);
  for (int i = 0; g_workers != NULL && i < g_config.threads; ++i) {
    struct worker *w = &g_workers[i];
    if (pipe2(w->notify_fds, O_CLOEXEC) != 0 ||
        (w->base = event_base_new()) == NULL) {
      fprintf(stderr, "httpd: cannot start worker %d: %s\n", i,
              strerror(errno));
      return 1;
    }
    evutil_make_socket_nonblocking(w->notify_fds[0]);
    w->notify_ev = event_new(w->base, w->notify_fds[0], EV_READ | EV_PERSIST,
                             on_worker_notify, w);
    event_add(w->notify_ev, NULL);
    pthread_create(&w->thread, NULL, worker_main, w);
  }
#endif

  struct event *clock_ev =
      HTTPD_EVENT_NEW(base, -1, EV_PERSIST, on_clock, NULL);
  struct event *sigint_ev =
      HTTPD_EVENT_NEW(base, SIGINT, EV_SIGNAL | EV_PERSIST, on_signal, base);
  struct event *sigterm_ev =
      HTTPD_EVENT_NEW(base, SIGTERM, EV_SIGNAL | EV_PERSIST, on_signal, base);
  struct timeval one_second = {1, 0};
  event_add(clock_ev, &one_second);
  event_add(sigint_ev, NULL);
  event_add(sigterm_ev, NULL);

  printf("port=%d\n", ntohs(bound.sin_port));
  fflush(stdout);
  fprintf(stderr, "httpd: serving %s on %s:%d\n", g_config.docroot,
          g_config.bind_addr, ntohs(bound.sin_port));

  event_base_dispatch(base);

#ifdef HTTPD_USE_PRISM
  /* on_accept invocations still queued use the listener: let every queued
   * and running handler finish before freeing what they use. */
  prism_runtime_drain(g_rt);
#endif
  evconnlistener_free(listener);
#ifdef HTTPD_THREADED
  for (int i = 0; i < g_config.threads; ++i) {
    event_base_loopexit(g_workers[i].base, NULL);
    pthread_join(g_workers[i].thread, NULL);
  }
#endif
  event_free(clock_ev);
  event_free(sigint_ev);
  event_free(sigterm_ev);
#ifdef HTTPD_USE_PRISM
  print_constraint_costs();
  prism_runtime_free(g_rt);
#endif
  if (g_log != NULL) fclose(g_log);
  fprintf(stderr, "httpd: shut down after %lu requests\n",
          stat_get(&g_stats.requests));
  return 0;
}
