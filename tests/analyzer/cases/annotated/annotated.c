// PRISM_HANDLER marks handlers of a loop the analyzer does not know (here a
// hand-written poll loop): they are analysed like libevent handlers.
// `not_a_handler` is neither annotated nor registered, so it is not in the
// matrix. Handlers: 0 on_tick (writes g_ticks), 1 on_tock (reads g_ticks).
//
// MATRIX: [[1,1],[1,0]]

/* What PRISM_HANDLER from <prism/annotations.h> expands to under Clang. */
#define PRISM_HANDLER __attribute__((annotate("prism_handler")))

int g_ticks;

PRISM_HANDLER void on_tick(void *arg) { g_ticks++; }
PRISM_HANDLER void on_tock(void *arg) {
  if (g_ticks > 100) return;
}
void not_a_handler(void) { g_ticks = 0; }

int main(void) {
  void (*loop[2])(void *) = {on_tick, on_tock};
  for (int i = 0; i < 10; i++) loop[i % 2](0);
  not_a_handler();
  return 0;
}
