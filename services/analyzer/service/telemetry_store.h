// Runtime telemetry the agents forward, stored with the analyses in the shared
// cache (so every replica sees it): per program + build-id, each host's latest
// sum. Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_TELEMETRY_STORE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_TELEMETRY_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "prism/v1/telemetry.pb.h"
#include "services/analyzer/service/cache.h"

namespace prism::service {

class TelemetryStore {
 public:
  // Hosts kept per build; reports from more are refused.
  static constexpr int kMaxHosts = 4096;
  // What one build's stored telemetry may weigh (serialized).
  static constexpr size_t kMaxEntryBytes = size_t{64} << 20;

  explicit TelemetryStore(Cache& cache) : cache_(cache) {}

  // Replaces what `report.host()` said before about its program and build.
  absl::Status Record(const v1::RuntimeTelemetry& report);
  // Every host's latest report for this build.
  std::vector<v1::RuntimeTelemetry> Reports(const std::string& program,
                                            const std::string& build_id);

 private:
  Cache& cache_;
  // Read-modify-write of one entry within this replica. Replicas may race;
  // since every agent resends its cumulative sums, a lost update heals at the
  // next report.
  absl::Mutex mutex_;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_TELEMETRY_STORE_H_
