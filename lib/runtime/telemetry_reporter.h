// Where a running server's telemetry goes: the per-host agent. The runtime
// core only knows this interface; the agent client (agent_client.cc) registers
// the implementation, so the core never depends on gRPC. A reporter works on
// its own thread, never on a handler's: a report that cannot be delivered is
// dropped and counted, and the server is never stalled.
#ifndef PRISM_LIB_RUNTIME_TELEMETRY_REPORTER_H_
#define PRISM_LIB_RUNTIME_TELEMETRY_REPORTER_H_

#include <functional>
#include <memory>
#include <string>

#include "prism/v1/telemetry.pb.h"

namespace prism {
namespace runtime {

// Destroying a reporter sends one last report (waiting a bounded time) and
// stops its thread.
class TelemetryReporter {
 public:
  virtual ~TelemetryReporter() = default;
};

// Cumulative counts since the runtime started; called on the reporter's thread.
using TelemetrySnapshot = std::function<prism::v1::RuntimeTelemetry()>;
using TelemetryReporterFactory = std::unique_ptr<TelemetryReporter> (*)(
    const std::string& socket_path, TelemetrySnapshot snapshot);
void SetTelemetryReporterFactory(TelemetryReporterFactory factory);

// A reporter sending to the agent at `socket_path` (empty: the client's
// default), or null when no client is linked in or telemetry is off.
std::unique_ptr<TelemetryReporter> NewTelemetryReporter(
    const std::string& socket_path, TelemetrySnapshot snapshot);

}  // namespace runtime
}  // namespace prism

#endif  // PRISM_LIB_RUNTIME_TELEMETRY_REPORTER_H_
