// Finished analyses in the cache, and the indexes that find them: by analysis
// id, by build-id, by program + build-id (for ConstraintSets: never another
// build's), and the recent analyses of a program. Shared by every replica that
// shares the cache. Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_RESULT_STORE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_RESULT_STORE_H_

#include <optional>
#include <string>

#include "prism/v1/analyzer_service.pb.h"
#include "prism/v1/constraints.pb.h"
#include "services/analyzer/service/cache.h"

namespace prism::service {

class ResultStore {
 public:
  explicit ResultStore(Cache& cache) : cache_(cache) {}

  void Save(const v1::AnalysisSummary& record,
            const v1::AnalysisResult& result);
  std::optional<v1::AnalysisResult> Result(const std::string& analysis_id);
  // Whether the result is stored, without decoding it (results of large
  // programs are hundreds of megabytes).
  bool HasResult(const std::string& analysis_id);
  std::optional<std::string> IdForBuildId(const std::string& build_id);
  std::optional<std::string> IdForProgramBuild(const std::string& program,
                                               const std::string& build_id);
  // Most recent first.
  v1::ListAnalysesResponse Recent(const std::string& program);

 private:
  Cache& cache_;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_RESULT_STORE_H_
