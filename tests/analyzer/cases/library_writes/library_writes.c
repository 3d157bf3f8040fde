// What library calls leave in a handler's locals. on_pipe reads a pointer
// from a pipe into j (read writes bytes into memory that holds a pointer): j
// is unknown afterwards, so j->n++ writes unknown memory, which may be g_job
// (on_peek reads it) or any context. on_log builds a line in a heap buffer
// that a helper publishes through an out-parameter (format_line): copying
// text into it (strcpy) touches that buffer only, and printing and freeing
// the line touch nothing shared but the log stream (a suggested removal).
// Handlers sorted: 0 on_log, 1 on_peek, 2 on_pipe.
// MATRIX: [[1,0,1],[0,0,1],[1,1,1]]
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
  int n;
};
struct job g_job;
FILE *g_log;

static int format_line(char **out, const char *text) {
  char *buffer = malloc(strlen(text) + 1);
  if (buffer == NULL) return -1;
  strcpy(buffer, text);
  *out = buffer;
  return 0;
}

static void on_pipe(evutil_socket_t fd, short what, void *arg) {
  struct job *j = NULL;
  if (read(fd, &j, sizeof j) == sizeof j) j->n++;
}
static void on_peek(evutil_socket_t fd, short what, void *arg) {
  if (g_job.n == 4) abort();
}
static void on_log(evutil_socket_t fd, short what, void *arg) {
  char *line;
  if (format_line(&line, "tick") != 0) return;
  fputs(line, g_log);
  free(line);
}

int main(void) {
  struct event_base *base = event_base_new();
  g_log = stderr;
  event_new(base, 0, EV_READ, on_pipe, NULL);
  event_new(base, 1, EV_READ, on_peek, NULL);
  event_new(base, 2, EV_READ, on_log, NULL);
  return event_base_dispatch(base);
}
