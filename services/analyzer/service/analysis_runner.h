// Runs the analysis of one checked build: each TU's summary from the cache or
// from the front-end (on a confined file system holding only that TU's uploaded
// files), then the link step (from the cache when its inputs are unchanged).
// Keys (README.md): a TU summary by the server's fingerprint, the TU's
// arguments, directory and the digest of every file it may read; the link
// result by the fingerprint, the program, the summaries and the overrides.
// Thread-safe: analyses of different builds may run at once.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_ANALYSIS_RUNNER_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_ANALYSIS_RUNNER_H_

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prism/v1/analyzer_service.pb.h"
#include "prism/v1/constraints.pb.h"
#include "services/analyzer/service/blob_store.h"
#include "services/analyzer/service/build_manifest.h"
#include "services/analyzer/service/cache.h"

namespace prism::service {

struct RunnerOptions {
  int jobs = 1;  // TUs analysed at once per build.
  absl::Duration max_wall_time = absl::Hours(1);
  std::string server_fingerprint;  // Part of every cache key.
  // Programs whose last link's solved summaries stay in memory, decoded, for
  // their next link in this process (the cache keeps them encoded for every
  // replica).
  size_t linked_programs_in_memory = 2;
};

using ProgressCallback = std::function<void(const v1::AnalysisProgress&)>;

// The result, or RESOURCE_EXHAUSTED when the wall-time limit passed (checked
// between TUs), FAILED_PRECONDITION when a blob vanished, INTERNAL when the
// engine refused its options. `progress` is called after every TU (from worker
// threads, one call at a time).
absl::StatusOr<v1::AnalysisResult> RunAnalysis(
    const CheckedBuild& build, const BlobStore& blobs, Cache& cache,
    const RunnerOptions& options, const ProgressCallback& progress);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_ANALYSIS_RUNNER_H_
