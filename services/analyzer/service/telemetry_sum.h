// Adding up runtime telemetry: the agent sums its host's processes of one
// build, the analyzer sums the hosts. Counts are cumulative per process, so a
// sum of each source's latest report is the total so far. Thread-safe (pure).
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_TELEMETRY_SUM_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_TELEMETRY_SUM_H_

#include <vector>

#include "prism/v1/telemetry.pb.h"

namespace prism::service {

// The sum of `reports` (all of one program and build): handler counts by
// handler, waits by (waiting, running, kind), ordered costliest first (wait
// time, then waits); `processes` is the number of processes they cover.
// Program, build-id, mode and workers come from the first report.
v1::RuntimeTelemetry SumTelemetry(
    const std::vector<v1::RuntimeTelemetry>& reports);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_TELEMETRY_SUM_H_
