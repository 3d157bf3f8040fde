// The public C API beyond startup and registration: draining, freeing,
// introspection and telemetry; and what tests may see (runtime_internal.h).
#include "prism/runtime.h"

#include <errno.h>
#include <unistd.h>

#include <cstdio>

#include "lib/runtime/identity.h"
#include "lib/runtime/runtime_internal.h"
#include "lib/runtime/runtime_state.h"

namespace prism {
namespace runtime {

void Warn(const std::string& message) {
  std::fprintf(stderr, "prism: %s\n", message.c_str());
  std::fflush(stderr);
}

}  // namespace runtime
}  // namespace prism

prism_runtime::prism_runtime() = default;

prism_runtime::~prism_runtime() {
  for (event* ev : {keepalive, wakeup, pace_event}) {
    if (ev != nullptr) event_free(ev);
  }
}

extern "C" {

void prism_runtime_drain(prism_runtime* rt) {
  if (rt != nullptr && rt->scheduler != nullptr) rt->scheduler->Drain();
}

void prism_runtime_free(prism_runtime* rt) {
  if (rt == nullptr) return;
  prism::runtime::UnregisterBase(rt);
  // Drain first, with the scheduler still in place: finishing invocations may
  // queue the next one of the same bufferevent or event. Only then stop the
  // workers.
  if (rt->scheduler != nullptr) rt->scheduler->Drain();
  rt->telemetry.reset();  // Its last report reads the scheduler's counts.
  rt->scheduler.reset();
  for (auto& entry : rt->events) prism::runtime::DetachRecord(entry.second);
  for (auto& entry : rt->bevs) prism::runtime::ReleaseRecord(entry.second);
  for (auto* l : rt->listeners) prism::runtime::DeleteRecord(l);
  for (auto* o : rt->once_pending) prism::runtime::DeleteRecord(o);
  delete rt;
}

const char* prism_runtime_mode(const prism_runtime* rt) {
  return rt != nullptr ? rt->mode.load(std::memory_order_relaxed) : "serial";
}

int prism_runtime_workers(const prism_runtime* rt) {
  return rt != nullptr && rt->scheduler != nullptr ? rt->scheduler->workers()
                                                   : 0;
}

size_t prism_runtime_constraint_stats(const prism_runtime* rt,
                                      struct prism_constraint_stat* out,
                                      size_t max) {
  if (rt == nullptr || rt->scheduler == nullptr) return 0;
  std::vector<prism::runtime::ConstraintStat> stats = rt->scheduler->Stats();
  for (size_t i = 0; i < stats.size() && i < max && out != nullptr; ++i) {
    out[i].waiting_handler = rt->handlers.name(stats[i].waiting).c_str();
    out[i].running_handler = rt->handlers.name(stats[i].running).c_str();
    out[i].kind = stats[i].kind;
    out[i].waits = stats[i].waits;
    out[i].wait_nanos = stats[i].wait_nanos;
  }
  return stats.size();
}

}  // extern "C"

namespace prism {
namespace runtime {

const Checker* RuntimeChecker(const prism_runtime* rt) {
  return rt != nullptr ? rt->checker.get() : nullptr;
}

prism::v1::RuntimeTelemetry RuntimeTelemetrySnapshot(const prism_runtime* rt) {
  prism::v1::RuntimeTelemetry t;
  t.set_program(program_invocation_short_name);
  t.set_build_id(rt->build_id);
  t.set_pid(getpid());
  t.set_mode(prism_runtime_mode(rt));
  if (rt->scheduler == nullptr) return t;
  t.set_workers(rt->scheduler->workers());
  for (int row = 0; row < rt->matrix->size(); ++row) {
    uint64_t n = rt->scheduler->Invocations(row);
    if (n == 0) continue;
    prism::v1::HandlerStats* h = t.add_handlers();
    h->set_handler(row);
    h->set_invocations(n);
    h->set_run_nanos(rt->scheduler->RunNanos(row));
  }
  for (const prism::runtime::ConstraintStat& s : rt->scheduler->Stats()) {
    prism::v1::ConstraintWait* w = t.add_waits();
    w->set_waiting(s.waiting);
    w->set_running(s.running);
    w->set_kind(s.kind == 1 ? prism::v1::CONFLICT_KIND_GLOBAL
                            : prism::v1::CONFLICT_KIND_CONTEXT);
    w->set_waits(s.waits);
    w->set_wait_nanos(s.wait_nanos);
  }
  return t;
}

int RuntimeHandlerRow(const prism_runtime* rt, const char* name,
                      const char* file) {
  return rt->handlers.Resolve(name, file);
}

}  // namespace runtime
}  // namespace prism
