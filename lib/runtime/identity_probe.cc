// For identity_stripped_test.sh: registers one handler through a variable in
// a parallel runtime, under constraints for this very binary that name it, and
// prints the row it runs as ("row=N"). With a symbol table the address names
// it (row 0); stripped, only the spelled name is left ("cb": not a handler),
// and the runtime says so on stderr.
#include <event2/thread.h>

#include <cstdio>

#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/test_constraints.h"
#include "prism/runtime.h"

extern "C" {
static void probe_handler(evutil_socket_t, short, void*) {}
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: identity_probe CONSTRAINTS_FILE\n");
    return 2;
  }
  if (evthread_use_pthreads() != 0) return 1;
  prism::v1::ConstraintSet set =
      prism::runtime::MakeConstraintSet({{"probe_handler", __FILE__}}, {0});
  std::FILE* out = std::fopen(argv[1], "wb");
  if (out == nullptr) return 1;
  std::string data = set.SerializeAsString();
  std::fwrite(data.data(), 1, data.size(), out);
  std::fclose(out);

  event_base* base = event_base_new();
  prism_options o;
  prism_options_init(&o);
  o.constraints_path = argv[1];
  o.scheduler = PRISM_SCHEDULER_EXACT;
  o.workers = 1;
  prism_runtime* rt = prism_runtime_new(base, &o);
  if (rt == nullptr) return 1;
  event_callback_fn cb = probe_handler;
  event* ev = prism_evtimer_new(rt, cb, nullptr);
  std::printf("mode=%s row=%d\n", prism_runtime_mode(rt),
              prism::runtime::RuntimeEventRow(rt, ev));
  event_free(ev);
  prism_runtime_free(rt);
  event_base_free(base);
  return 0;
}
