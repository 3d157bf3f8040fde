// The agent's connection to prism-analyzer: where a cache miss is answered.
// Thread-safe.
#ifndef PRISM_SERVICES_SCHEDULER_AGENT_ANALYZER_UPSTREAM_H_
#define PRISM_SERVICES_SCHEDULER_AGENT_ANALYZER_UPSTREAM_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prism/v1/analyzer_service.grpc.pb.h"

namespace prism::agent {

struct UpstreamOptions {
  std::string address;  // HOST:PORT of prism-analyzer.
  std::string token;    // Bearer token; empty: none.
  std::string
      tls_ca;  // PEM of the CA that signed the analyzer; empty: plaintext.
  // This agent's certificate chain and key (PEM), for analyzers that ask for
  // one.
  std::string tls_cert;
  std::string tls_key;
  absl::Duration timeout = absl::Seconds(5);
};

class AnalyzerUpstream {
 public:
  explicit AnalyzerUpstream(UpstreamOptions options);

  const std::string& address() const { return options_.address; }

  // The analyzer's ConstraintSet for exactly this program and build-id.
  // NotFound when the analyzer has none; Unavailable/DeadlineExceeded when it
  // cannot be reached; Internal when it answers with another build's set.
  absl::StatusOr<v1::ConstraintSet> Fetch(const std::string& program,
                                          const std::string& build_id);

  // Hands the analyzer these telemetry sums.
  absl::Status Report(const std::vector<v1::RuntimeTelemetry>& sums);

  // True when a connection to the analyzer can be made within `wait`.
  bool Reachable(absl::Duration wait);

 private:
  // Deadline and bearer token of one call.
  void Prepare(grpc::ClientContext* context) const;

  UpstreamOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Analyzer::Stub> stub_;
};

}  // namespace prism::agent

#endif  // PRISM_SERVICES_SCHEDULER_AGENT_ANALYZER_UPSTREAM_H_
