// prism.v1.Agent: answers "constraints for program P, build-id B" from the
// on-disk cache, fetching from the analyzer on a miss. Concurrent misses for
// one build share one fetch, so hundreds of servers starting at once reach the
// analyzer once. Runtimes' telemetry is summed per build and forwarded to the
// analyzer periodically. When the analyzer cannot be reached the agent is
// `degraded`: it keeps serving what it has cached (last known good).
#ifndef PRISM_SERVICES_SCHEDULER_AGENT_AGENT_SERVICE_H_
#define PRISM_SERVICES_SCHEDULER_AGENT_AGENT_SERVICE_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <atomic>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "prism/v1/agent_service.grpc.pb.h"
#include "services/scheduler-agent/analyzer_upstream.h"
#include "services/scheduler-agent/constraint_cache.h"
#include "services/scheduler-agent/telemetry_relay.h"

namespace prism::agent {

// The health-checking service name whose status says whether the analyzer is
// reachable (NOT_SERVING while degraded). The agent itself ("" and
// "prism.v1.Agent") stays SERVING: it still answers from its cache.
inline constexpr char kAnalyzerHealthName[] = "prism.v1.Agent.Analyzer";

class AgentService final : public v1::Agent::Service {
 public:
  // `upstream` may be null: the agent answers from its cache alone.
  // `host` names this agent's telemetry sums at the analyzer.
  AgentService(ConstraintCache* cache,
               std::unique_ptr<AnalyzerUpstream> upstream, std::string host);

  // Health statuses follow the degraded state from now on.
  void SetHealth(grpc::HealthCheckServiceInterface* health);

  // Probes the analyzer once (within `wait`) and updates the degraded state.
  void CheckAnalyzer(absl::Duration wait);
  // Asks the analyzer again for every cached set and stores what changed (an
  // analysis re-submitted for the same build, with other overrides, say). A set
  // the analyzer no longer has stays cached: last known good.
  void RefreshCached();
  // Hands the analyzer the telemetry sums that changed since the last call
  // (kept for the next call when it cannot take them).
  void ForwardTelemetry();

  grpc::Status GetConstraints(
      grpc::ServerContext* context,
      const v1::AgentGetConstraintsRequest* request,
      v1::AgentGetConstraintsResponse* response) override;
  grpc::Status ReportTelemetry(
      grpc::ServerContext* context,
      const v1::AgentReportTelemetryRequest* request,
      v1::AgentReportTelemetryResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* context,
                         const v1::AgentStatusRequest* request,
                         v1::AgentStatusResponse* response) override;

 private:
  // One fetch from the analyzer that concurrent requests for the same build
  // wait on.
  struct Fetch {
    absl::Notification done;
    absl::StatusOr<v1::ConstraintSet> result = absl::UnknownError("pending");
  };

  absl::StatusOr<v1::ConstraintSet> FetchShared(const std::string& program,
                                                const std::string& build_id,
                                                absl::Time deadline);
  void SetDegraded(bool degraded, const std::string& reason);
  // Degraded when `status` says the analyzer cannot be reached; whether so.
  bool DegradedBy(const absl::Status& status);

  ConstraintCache* cache_;
  std::unique_ptr<AnalyzerUpstream> upstream_;
  TelemetryRelay telemetry_;

  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, std::shared_ptr<Fetch>> in_flight_
      ABSL_GUARDED_BY(mutex_);
  bool degraded_ ABSL_GUARDED_BY(mutex_) = false;
  std::string degraded_reason_ ABSL_GUARDED_BY(mutex_);
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(mutex_) = nullptr;

  std::atomic<uint64_t> requests_{0}, cache_hits_{0}, fetched_{0},
      not_found_{0}, refreshed_{0}, telemetry_forwarded_{0},
      telemetry_forward_failures_{0};
};

}  // namespace prism::agent

#endif  // PRISM_SERVICES_SCHEDULER_AGENT_AGENT_SERVICE_H_
