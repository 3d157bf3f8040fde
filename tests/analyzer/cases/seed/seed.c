// The seed's example (DESIGN.md): handle_send does glob_ctr++ and ctxt->state =
// DONE; handle_read reads glob_ctr and writes ctxt->state. Cell (send, read)
// = 3. Handlers sorted by name: 0 handle_read, 1 handle_send. handle_read with
// itself: reads glob_ctr only (read/read: nothing), writes state: context.

// MATRIX: [[2,3],[3,3]]
#include <event2/event.h>
#include <stdlib.h>

enum { IDLE, DONE };
struct ctxt {
  int state;
};
int glob_ctr;

void handle_send(evutil_socket_t fd, short what, void *arg) {
  struct ctxt *ctxt = arg;
  glob_ctr++;
  ctxt->state = DONE;
}

void handle_read(evutil_socket_t fd, short what, void *arg) {
  struct ctxt *ctxt = arg;
  if (glob_ctr > 10) return;
  ctxt->state = IDLE;
}

int main(void) {
  struct event_base *base = event_base_new();
  struct ctxt *c = calloc(1, sizeof *c);
  event_add(event_new(base, 0, EV_WRITE, handle_send, c), NULL);
  event_add(event_new(base, 0, EV_READ, handle_read, c), NULL);
  return event_base_dispatch(base);
}
