// Runtime telemetry on its way through the agent: each process's latest
// report (counts are cumulative, so the latest is all that matters), summed
// per program + build for the analyzer, which gets only the builds that
// changed since the last forward. Bounded: reports beyond the limits are
// refused, never allowed to grow the agent without end. Thread-safe.
#ifndef PRISM_SERVICES_SCHEDULER_AGENT_TELEMETRY_RELAY_H_
#define PRISM_SERVICES_SCHEDULER_AGENT_TELEMETRY_RELAY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "prism/v1/telemetry.pb.h"

namespace prism::agent {

class TelemetryRelay {
 public:
  static constexpr size_t kMaxBuilds = 1024;
  static constexpr size_t kMaxProcessesPerBuild = 4096;
  // What all kept reports may weigh together (serialized).
  static constexpr size_t kMaxBytes = size_t{256} << 20;

  // `host` names this agent's sums at the analyzer.
  explicit TelemetryRelay(std::string host) : host_(std::move(host)) {}

  // Keeps `report` as its process's latest (program, build-id and pid > 0
  // already checked).
  absl::Status Record(const v1::RuntimeTelemetry& report);
  // The sums of the builds that changed since the last call.
  std::vector<v1::RuntimeTelemetry> TakeChanged();
  // Marks these sums' builds changed again (the forward failed).
  void Restore(const std::vector<v1::RuntimeTelemetry>& unsent);

  uint64_t received() const;

 private:
  struct Build {
    std::map<int32_t, v1::RuntimeTelemetry> latest;  // By pid.
    bool changed = false;
  };
  const std::string host_;
  mutable absl::Mutex mutex_;
  std::map<std::pair<std::string, std::string>, Build> builds_
      ABSL_GUARDED_BY(mutex_);
  uint64_t received_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t bytes_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace prism::agent

#endif  // PRISM_SERVICES_SCHEDULER_AGENT_TELEMETRY_RELAY_H_
