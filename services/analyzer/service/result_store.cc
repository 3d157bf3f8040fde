#include "services/analyzer/service/result_store.h"

#include "absl/strings/str_cat.h"

namespace prism::service {
namespace {

constexpr int kRecentPerProgram = 50;

std::string ResultKey(const std::string& id) {
  return absl::StrCat("result/", id);
}
std::string BuildIdKey(const std::string& build_id) {
  return absl::StrCat(kMutableKeyPrefix, "build-id/", build_id);
}
std::string ProgramBuildKey(const std::string& program,
                            const std::string& build_id) {
  return absl::StrCat(kMutableKeyPrefix, "program-build/", program.size(), ":",
                      program, "/", build_id);
}
std::string RecentKey(const std::string& program) {
  return absl::StrCat(kMutableKeyPrefix, "recent/", program);
}

}  // namespace

void ResultStore::Save(const v1::AnalysisSummary& record,
                       const v1::AnalysisResult& result) {
  cache_.Put(ResultKey(record.analysis_id()), result.SerializeAsString());
  if (!record.build_id().empty()) {
    cache_.Put(BuildIdKey(record.build_id()), record.analysis_id());
    cache_.Put(ProgramBuildKey(record.program(), record.build_id()),
               record.analysis_id());
  }
  // Read-modify-write: two replicas finishing at the same instant may drop
  // one entry from the list (never from the results themselves).
  v1::ListAnalysesResponse recent = Recent(record.program());
  v1::ListAnalysesResponse updated;
  *updated.add_analyses() = record;
  for (const v1::AnalysisSummary& earlier : recent.analyses()) {
    if (updated.analyses_size() >= kRecentPerProgram) break;
    if (earlier.analysis_id() != record.analysis_id()) {
      *updated.add_analyses() = earlier;
    }
  }
  cache_.Put(RecentKey(record.program()), updated.SerializeAsString());
}

std::optional<v1::AnalysisResult> ResultStore::Result(
    const std::string& analysis_id) {
  std::optional<std::string> stored = cache_.Get(ResultKey(analysis_id));
  v1::AnalysisResult result;
  if (!stored || !result.ParseFromString(*stored)) return std::nullopt;
  return result;
}

bool ResultStore::HasResult(const std::string& analysis_id) {
  return cache_.Get(ResultKey(analysis_id)).has_value();
}

std::optional<std::string> ResultStore::IdForBuildId(
    const std::string& build_id) {
  return cache_.Get(BuildIdKey(build_id));
}

std::optional<std::string> ResultStore::IdForProgramBuild(
    const std::string& program, const std::string& build_id) {
  return cache_.Get(ProgramBuildKey(program, build_id));
}

v1::ListAnalysesResponse ResultStore::Recent(const std::string& program) {
  v1::ListAnalysesResponse recent;
  std::optional<std::string> stored = cache_.Get(RecentKey(program));
  if (stored && !recent.ParseFromString(*stored)) recent.Clear();
  return recent;
}

}  // namespace prism::service
