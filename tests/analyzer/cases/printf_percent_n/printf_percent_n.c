// printf-like library functions (models' format=N): a `%n` conversion writes
// through the argument it consumes. A literal format without %n writes through
// none ("%s" only reads, "100%%n" prints the text %n); any other format may
// write every argument after it. A va_list variant (vformat=N) whose format is
// its caller's parameter leaves the decision to the caller's callers (through
// any number of wrappers): log_line("%d", 42) writes nothing; a format that is
// neither such a literal nor a parameter writes unknown memory and every
// argument after it. Handlers: 0 on_count, 1 on_dynamic, 2 on_log,
// 3 on_log_any, 4 on_name.

// MATRIX: [[1,0,0,1,0],[0,1,0,1,1],[0,0,0,0,0],[1,1,0,1,1],[0,1,0,1,0]]
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>

int g_len;
char g_name[16] = "prism";

static void log_va(const char *format, va_list ap) {
  char line[64];
  vsnprintf(line, sizeof line, format, ap);
}

static void log_line(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  log_va(format, ap);
  va_end(ap);
}

static void on_count(evutil_socket_t fd, short what, void *arg) {
  char buf[32];
  snprintf(buf, sizeof buf, "hello%n", &g_len);
}

static void on_dynamic(evutil_socket_t fd, short what, void *arg) {
  char buf[32];
  const char *format = what == EV_READ ? "%s" : "%.4s";
  snprintf(buf, sizeof buf, format, g_name);
}

static void on_log(evutil_socket_t fd, short what, void *arg) {
  log_line("%d", 42);
}

static void on_log_any(evutil_socket_t fd, short what, void *arg) {
  log_line(what == EV_READ ? "%s" : "%.4s", g_name);
}

static void on_name(evutil_socket_t fd, short what, void *arg) {
  char buf[32];
  snprintf(buf, sizeof buf, "%s", g_name);
  snprintf(buf, sizeof buf, "100%%n of %-8.3s", g_name);
}

int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, 0, EV_READ, on_count, NULL);
  event_new(base, 1, EV_READ, on_dynamic, NULL);
  event_new(base, 2, EV_READ, on_log, NULL);
  event_new(base, 3, EV_READ, on_log_any, NULL);
  event_new(base, 4, EV_READ, on_name, NULL);
  return event_base_dispatch(base);
}
