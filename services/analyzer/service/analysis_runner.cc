#include "services/analyzer/service/analysis_runner.h"

#include <algorithm>
#include <atomic>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/engine/solved_memo.h"
#include "services/analyzer/frontend/compilation_database.h"
#include "services/analyzer/frontend/summarize.h"
#include "services/analyzer/service/confined_file_system.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {
namespace {

std::string SummaryKey(const std::string& fingerprint,
                       const v1::TranslationUnit& unit) {
  // The unit lists (sorted) every file it may read with its digest: the
  // confined file system holds nothing else besides the system headers.
  std::string serialized;
  unit.SerializeToString(&serialized);
  return absl::StrCat("summary/",
                      Sha256Hex(absl::StrCat(frontend::kFrontendVersion, "\n",
                                             fingerprint, "\n", serialized)));
}

std::string LinkKey(const std::string& fingerprint, const v1::Build& build,
                    const std::vector<v1::TranslationUnitSummary>& summaries) {
  std::string material =
      absl::StrCat("link/2\n", fingerprint, "\n", build.program().size(), ":",
                   build.program(), "\n");
  for (const v1::TranslationUnitSummary& summary : summaries) {
    absl::StrAppend(&material, Sha256Hex(summary.SerializeAsString()), "\n");
  }
  for (const v1::Override& override : build.overrides()) {
    absl::StrAppend(&material, Sha256Hex(override.SerializeAsString()), "\n");
  }
  return absl::StrCat("link/", Sha256Hex(material));
}

// Where the solved summaries of the program's last link are kept: one entry
// per program, overwritten by each link. Its entries are checked against
// what each solve would read (solved_memo.h), so a stale or foreign one only
// costs a solve.
std::string SolvedMemoKey(const std::string& fingerprint,
                          const std::string& program) {
  return absl::StrCat("solved/",
                      Sha256Hex(absl::StrCat("solved/1\n", fingerprint, "\n",
                                             program.size(), ":", program)));
}

// The solved components of this process's latest links, by program, most
// recent first (at most RunnerOptions::linked_programs_in_memory): a link of
// the same program again takes them decoded, without reading the cache.
class RecentLinks {
 public:
  static RecentLinks& Get() {
    static RecentLinks* const recent = new RecentLinks();
    return *recent;
  }

  std::shared_ptr<const analyzer::SolvedMemo> Find(const std::string& program) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, memo] : links_) {
      if (name == program) return memo;
    }
    return nullptr;
  }

  void Remember(const std::string& program,
                std::shared_ptr<const analyzer::SolvedMemo> memo,
                size_t limit) {
    std::lock_guard<std::mutex> lock(mutex_);
    links_.remove_if([&](const auto& link) { return link.first == program; });
    if (limit == 0) return;
    links_.emplace_front(program, std::move(memo));
    while (links_.size() > limit) links_.pop_back();
  }

 private:
  std::mutex mutex_;
  std::list<std::pair<std::string, std::shared_ptr<const analyzer::SolvedMemo>>>
      links_;
};

class ProgressTracker {
 public:
  ProgressTracker(int total, const ProgressCallback& callback)
      : callback_(callback) {
    progress_.set_state(v1::AnalysisProgress::STATE_RUNNING);
    progress_.set_units_total(total);
  }

  void Started(const std::string& unit) {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.set_current_unit(unit);
    callback_(progress_);
  }

  void Finished(bool from_cache) {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.set_units_done(progress_.units_done() + 1);
    if (from_cache) {
      progress_.set_units_from_cache(progress_.units_from_cache() + 1);
    } else {
      progress_.set_units_analysed(progress_.units_analysed() + 1);
    }
    if (progress_.units_done() == progress_.units_total()) {
      progress_.clear_current_unit();
    }
    callback_(progress_);
  }

  // `memo`: the link ran with it (how much it solved again), or null.
  void Linked(bool from_cache, const analyzer::SolvedMemo* memo = nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    progress_.set_link_from_cache(from_cache);
    if (memo != nullptr) {
      progress_.set_link_components_total(
          static_cast<uint32_t>(memo->reused() + memo->solved()));
      progress_.set_link_components_solved(
          static_cast<uint32_t>(memo->solved()));
    }
    callback_(progress_);
  }

 private:
  std::mutex mutex_;
  v1::AnalysisProgress progress_;
  const ProgressCallback& callback_;
};

// One TU's summary by running the front-end on its uploaded files only.
absl::StatusOr<v1::TranslationUnitSummary> Summarize(
    const v1::TranslationUnit& unit, const BlobStore& blobs) {
  std::map<std::string, std::string> files;
  for (const v1::SourceFile& file : unit.files()) {
    std::optional<std::string> data = blobs.Get(file.digest());
    if (!data) {
      return absl::FailedPreconditionError(
          absl::StrCat("blob ", DigestName(file.digest()), " of ", file.path(),
                       " is no longer stored; upload it again"));
    }
    files[file.path()] = std::move(*data);
  }
  frontend::CompileCommand command;
  command.directory = unit.directory();
  command.file = unit.main_file();
  command.arguments.assign(unit.arguments().begin(), unit.arguments().end());
  return frontend::SummarizeTranslationUnit(
      command, MakeConfinedFileSystem(files, unit.directory()));
}

}  // namespace

absl::StatusOr<v1::AnalysisResult> RunAnalysis(
    const CheckedBuild& checked, const BlobStore& blobs, Cache& cache,
    const RunnerOptions& options, const ProgressCallback& progress) {
  const v1::Build& build = checked.build;
  const absl::Time deadline = absl::Now() + options.max_wall_time;
  const int total = build.units_size();
  std::vector<v1::TranslationUnitSummary> summaries(total);
  ProgressTracker tracker(total, progress);

  std::atomic<int> next{0};
  std::mutex failure_mutex;
  absl::Status failure;
  auto fail = [&](absl::Status status) {
    std::lock_guard<std::mutex> lock(failure_mutex);
    if (failure.ok()) failure = std::move(status);
  };
  auto failed = [&]() {
    std::lock_guard<std::mutex> lock(failure_mutex);
    return !failure.ok();
  };
  auto worker = [&]() {
    for (int i = next.fetch_add(1); i < total && !failed();
         i = next.fetch_add(1)) {
      if (absl::Now() > deadline) {
        fail(absl::ResourceExhaustedError(
            absl::StrCat("the analysis ran past its wall-time limit of ",
                         absl::FormatDuration(options.max_wall_time),
                         " (--max-build-seconds)")));
        return;
      }
      const v1::TranslationUnit& unit = build.units(i);
      const std::string key = SummaryKey(options.server_fingerprint, unit);
      if (std::optional<std::string> cached = cache.Get(key);
          cached && summaries[i].ParseFromString(*cached)) {
        tracker.Finished(/*from_cache=*/true);
        continue;
      }
      tracker.Started(unit.main_file());
      absl::StatusOr<v1::TranslationUnitSummary> summary =
          Summarize(unit, blobs);
      if (!summary.ok()) {
        fail(summary.status());
        return;
      }
      summaries[i] = std::move(*summary);
      cache.Put(key, summaries[i].SerializeAsString());
      tracker.Finished(/*from_cache=*/false);
    }
  };
  const int jobs = std::max(1, std::min(options.jobs, total));
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  if (!failure.ok()) return failure;

  // The link reads what the TUs contain, not the digest of the files they were
  // made from: a header edit that changes no summary (a comment, a
  // declaration nothing uses) links alike and is served from the cache.
  for (v1::TranslationUnitSummary& summary : summaries) {
    summary.clear_input_digest();
  }
  const std::string link_key =
      LinkKey(options.server_fingerprint, build, summaries);
  v1::AnalysisResult result;
  if (std::optional<std::string> cached = cache.Get(link_key);
      cached && result.ParseFromString(*cached)) {
    tracker.Linked(/*from_cache=*/true);
    return result;
  }
  analyzer::AnalysisOptions analysis;
  analysis.program = build.program();
  analysis.jobs = std::max(1, options.jobs);
  absl::StatusOr<analyzer::ModelTable> models = analyzer::BuiltinModels();
  if (!models.ok()) return absl::InternalError(models.status().message());
  analysis.models = std::move(*models);
  for (const v1::Override& override : build.overrides()) {
    analysis.overrides.push_back(analyzer::Override{
        override.resource(), override.reason(), override.declared_at()});
  }
  // The program's last link, whatever build it was (this process's, or the
  // one kept in the cache by any replica): the components this change does
  // not reach are taken from it.
  auto memo =
      std::make_shared<analyzer::SolvedMemo>(options.server_fingerprint);
  const std::string memo_key =
      SolvedMemoKey(options.server_fingerprint, build.program());
  if (std::shared_ptr<const analyzer::SolvedMemo> last =
          RecentLinks::Get().Find(build.program())) {
    memo->ContinueFrom(*last);
  } else if (std::optional<std::string> kept = cache.Get(memo_key)) {
    memo->Load(*kept);  // An entry that does not decode: solve everything.
  }
  analysis.solved_memo = memo.get();
  absl::StatusOr<v1::AnalysisResult> linked =
      analyzer::Analyze(summaries, analysis);
  if (!linked.ok()) {
    return absl::InvalidArgumentError(linked.status().message());
  }
  cache.Put(link_key, linked->SerializeAsString());
  cache.Put(memo_key, memo->Serialize());
  tracker.Linked(/*from_cache=*/false, memo.get());
  RecentLinks::Get().Remember(build.program(), memo,
                              options.linked_programs_in_memory);
  return linked;
}

}  // namespace prism::service
