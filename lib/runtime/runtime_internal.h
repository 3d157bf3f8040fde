// What tests and benchmarks of the runtime may see beyond the public C API. Not
// installed.
#ifndef PRISM_LIB_RUNTIME_RUNTIME_INTERNAL_H_
#define PRISM_LIB_RUNTIME_RUNTIME_INTERNAL_H_

#include "lib/runtime/scheduler.h"
#include "prism/runtime.h"
#include "prism/v1/telemetry.pb.h"

namespace prism {
namespace runtime {

// What the runtime would report to the agent: mode, workers, per-handler
// invocations and run time, and per-constraint waits (rows index the
// ConstraintSet's handlers; the unknown row is one past them).
prism::v1::RuntimeTelemetry RuntimeTelemetrySnapshot(const prism_runtime* rt);

// The checker of `rt` (nullptr when checker mode is off or the runtime is
// serial).
const Checker* RuntimeChecker(const prism_runtime* rt);
// The matrix row a registration named `name` in `file` resolves to (unknown()
// when unnamed) by name, as for code without a symbol table.
int RuntimeHandlerRow(const prism_runtime* rt, const char* name,
                      const char* file);
// The matrix row the invocations of `ev` run as (unknown() for an event the
// runtime does not schedule).
int RuntimeEventRow(const prism_runtime* rt, event* ev);

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_RUNTIME_INTERNAL_H_
