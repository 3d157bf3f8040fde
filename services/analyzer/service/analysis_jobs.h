// The analyses this process is running or has recently run, with their
// progress, so that WatchAnalysis can follow them. At most `max_concurrent` run
// at once (RESOURCE_EXHAUSTED beyond). Finished jobs are forgotten after a
// while; their results stay in the ResultStore. Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_ANALYSIS_JOBS_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_ANALYSIS_JOBS_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prism/v1/analyzer_service.pb.h"

namespace prism::service {

class AnalysisJob {
 public:
  explicit AnalysisJob(std::string id);

  void Update(const v1::AnalysisProgress& progress);
  void Finish(const absl::Status& status);
  // A finished progress as it is, state included.
  void Replace(const v1::AnalysisProgress& progress);

  // The progress once it differs from `*seen_version` (or after `timeout`);
  // updates the version. Finished jobs answer at once.
  v1::AnalysisProgress WaitForChange(uint64_t* seen_version,
                                     absl::Duration timeout);
  v1::AnalysisProgress Progress();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  v1::AnalysisProgress progress_;
  uint64_t version_ = 1;
};

bool IsFinished(const v1::AnalysisProgress& progress);

class AnalysisJobs {
 public:
  explicit AnalysisJobs(int max_concurrent) : max_concurrent_(max_concurrent) {}

  // Runs `work` on a thread of its own under a new job named `id`, unless a job
  // of that id is running (then returns it, running nothing).
  absl::StatusOr<std::shared_ptr<AnalysisJob>> Start(
      const std::string& id, std::function<absl::Status(AnalysisJob&)> work);

  // Records that a submission of `id` was answered from stored results
  // (`progress` is finished), so watchers see that this submission analysed
  // nothing. A running job of that id is left alone.
  void RecordAnswered(const std::string& id,
                      const v1::AnalysisProgress& progress);

  std::shared_ptr<AnalysisJob> Find(const std::string& id);

 private:
  void Ended(const std::string& id);
  // Keeps at most a bounded number of finished jobs; the caller holds mutex_.
  void ForgetOldestLocked();

  const int max_concurrent_;
  std::mutex mutex_;
  int running_ = 0;
  std::map<std::string, std::shared_ptr<AnalysisJob>> jobs_;
  std::deque<std::string> finished_order_;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_ANALYSIS_JOBS_H_
