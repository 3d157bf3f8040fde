// The gRPC service prism.v1.Analyzer (proto/prism/v1/analyzer_service.proto):
// uploads into the BlobStore, builds checked by CheckBuild and run by
// RunAnalysis as AnalysisJobs, results kept in the ResultStore. Every RPC
// checks the bearer token when one is configured (health checking is a separate
// service and never asks for it). Thread-safe, as gRPC's sync server needs.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_ANALYZER_SERVICE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_ANALYZER_SERVICE_H_

#include <cstdint>
#include <string>

#include "prism/v1/analyzer_service.grpc.pb.h"
#include "services/analyzer/service/analysis_jobs.h"
#include "services/analyzer/service/analysis_runner.h"
#include "services/analyzer/service/blob_store.h"
#include "services/analyzer/service/build_manifest.h"
#include "services/analyzer/service/cache.h"
#include "services/analyzer/service/result_store.h"
#include "services/analyzer/service/telemetry_store.h"

namespace prism::service {

struct ServiceOptions {
  int64_t max_blob_bytes = int64_t{64} << 20;
  BuildLimits build_limits;
  RunnerOptions runner;
  int max_concurrent_builds = 4;
  std::string bearer_token;  // Empty: no token asked.
};

class AnalyzerService final : public v1::Analyzer::Service {
 public:
  AnalyzerService(ServiceOptions options, BlobStore& blobs, Cache& cache);

  grpc::Status FindMissingBlobs(
      grpc::ServerContext* context, const v1::FindMissingBlobsRequest* request,
      v1::FindMissingBlobsResponse* response) override;
  grpc::Status UploadBlobs(grpc::ServerContext* context,
                           grpc::ServerReader<v1::UploadChunk>* reader,
                           v1::UploadBlobsResponse* response) override;
  grpc::Status Submit(grpc::ServerContext* context,
                      const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) override;
  grpc::Status WatchAnalysis(
      grpc::ServerContext* context, const v1::WatchAnalysisRequest* request,
      grpc::ServerWriter<v1::AnalysisProgress>* writer) override;
  grpc::Status GetConflicts(grpc::ServerContext* context,
                            const v1::GetConflictsRequest* request,
                            v1::GetConflictsResponse* response) override;
  grpc::Status Explain(grpc::ServerContext* context,
                       const v1::ExplainRequest* request,
                       v1::ExplainResponse* response) override;
  grpc::Status GetConstraints(grpc::ServerContext* context,
                              const v1::GetConstraintsRequest* request,
                              v1::GetConstraintsResponse* response) override;
  grpc::Status ListAnalyses(grpc::ServerContext* context,
                            const v1::ListAnalysesRequest* request,
                            v1::ListAnalysesResponse* response) override;
  grpc::Status ReportTelemetry(grpc::ServerContext* context,
                               const v1::ReportTelemetryRequest* request,
                               v1::ReportTelemetryResponse* response) override;
  grpc::Status GetCosts(grpc::ServerContext* context,
                        const v1::GetCostsRequest* request,
                        v1::GetCostsResponse* response) override;

 private:
  grpc::Status Authorize(const grpc::ServerContext& context) const;
  // The finished result `selector` names, with its id.
  absl::StatusOr<std::pair<std::string, v1::AnalysisResult>> Finished(
      const v1::AnalysisSelector& selector);
  // The latest finished analysis of `program` for exactly `build_id`.
  absl::StatusOr<std::pair<std::string, v1::AnalysisResult>> FinishedForBuild(
      const std::string& program, const std::string& build_id);
  absl::Status RunJob(const CheckedBuild& build, AnalysisJob& job);

  const ServiceOptions options_;
  BlobStore& blobs_;
  Cache& cache_;
  ResultStore results_;
  TelemetryStore telemetry_;
  AnalysisJobs jobs_;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_ANALYZER_SERVICE_H_
