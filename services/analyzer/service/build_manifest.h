// Checking a submitted build (prism.v1.Build) before anything runs: the
// manifest is well formed, within the service's limits, names only accepted
// compiler arguments, and every file it names is uploaded. The outcome names
// the analysis: its id is the digest of the manifest and of the server's own
// binary, so equal ids mean equal results. Thread-safe (pure functions).
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_BUILD_MANIFEST_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_BUILD_MANIFEST_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "prism/v1/build.pb.h"
#include "services/analyzer/service/blob_store.h"

namespace prism::service {

struct BuildLimits {
  int64_t max_build_bytes = int64_t{1}
                            << 30;  // Sum of a build's distinct files.
  int max_units = 20000;            // TUs per build.
};

struct CheckedBuild {
  v1::Build build;  // Paths of files normalized (absolute, no "." or "..").
  std::string analysis_id;
};

// INVALID_ARGUMENT for a malformed manifest or a refused argument,
// RESOURCE_EXHAUSTED over a limit (naming it), FAILED_PRECONDITION naming the
// digests that are not uploaded.
absl::StatusOr<CheckedBuild> CheckBuild(const v1::Build& build,
                                        const BuildLimits& limits,
                                        const BlobStore& blobs,
                                        const std::string& server_fingerprint);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_BUILD_MANIFEST_H_
