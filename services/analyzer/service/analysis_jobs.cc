#include "services/analyzer/service/analysis_jobs.h"

#include <thread>

#include "absl/strings/str_cat.h"

namespace prism::service {
namespace {

constexpr size_t kFinishedJobsKept = 1000;

}  // namespace

bool IsFinished(const v1::AnalysisProgress& progress) {
  return progress.state() == v1::AnalysisProgress::STATE_DONE ||
         progress.state() == v1::AnalysisProgress::STATE_FAILED;
}

AnalysisJob::AnalysisJob(std::string id) {
  progress_.set_analysis_id(std::move(id));
  progress_.set_state(v1::AnalysisProgress::STATE_RUNNING);
}

void AnalysisJob::Update(const v1::AnalysisProgress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string id = progress_.analysis_id();
  progress_ = progress;
  progress_.set_analysis_id(id);
  progress_.set_state(v1::AnalysisProgress::STATE_RUNNING);
  ++version_;
  changed_.notify_all();
}

void AnalysisJob::Finish(const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  progress_.clear_current_unit();
  if (status.ok()) {
    progress_.set_state(v1::AnalysisProgress::STATE_DONE);
  } else {
    progress_.set_state(v1::AnalysisProgress::STATE_FAILED);
    progress_.set_error_code(static_cast<int>(status.code()));
    progress_.set_error_message(std::string(status.message()));
  }
  ++version_;
  changed_.notify_all();
}

void AnalysisJob::Replace(const v1::AnalysisProgress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  progress_ = progress;
  ++version_;
  changed_.notify_all();
}

v1::AnalysisProgress AnalysisJob::WaitForChange(uint64_t* seen_version,
                                                absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&]() {
    return version_ != *seen_version || IsFinished(progress_);
  });
  *seen_version = version_;
  return progress_;
}

v1::AnalysisProgress AnalysisJob::Progress() {
  std::lock_guard<std::mutex> lock(mutex_);
  return progress_;
}

absl::StatusOr<std::shared_ptr<AnalysisJob>> AnalysisJobs::Start(
    const std::string& id, std::function<absl::Status(AnalysisJob&)> work) {
  std::shared_ptr<AnalysisJob> job;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A finished job is run again: the caller found no stored result (a
    // failed analysis may succeed once its blobs are uploaded again; a result
    // may have expired from the cache).
    if (auto found = jobs_.find(id);
        found != jobs_.end() && !IsFinished(found->second->Progress())) {
      return found->second;
    }
    if (running_ >= max_concurrent_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          max_concurrent_,
          " builds are being analysed, the limit (--max-concurrent-builds); "
          "submit again later"));
    }
    ++running_;
    job = std::make_shared<AnalysisJob>(id);
    jobs_[id] = job;
  }
  std::thread([this, id, job, work = std::move(work)]() {
    job->Finish(work(*job));
    Ended(id);
  }).detach();
  return job;
}

void AnalysisJobs::Ended(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  --running_;
  finished_order_.push_back(id);
  ForgetOldestLocked();
}

void AnalysisJobs::ForgetOldestLocked() {
  while (finished_order_.size() > kFinishedJobsKept) {
    auto oldest = jobs_.find(finished_order_.front());
    if (oldest != jobs_.end() && IsFinished(oldest->second->Progress())) {
      jobs_.erase(oldest);
    }
    finished_order_.pop_front();
  }
}

void AnalysisJobs::RecordAnswered(const std::string& id,
                                  const v1::AnalysisProgress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = jobs_.find(id);
  if (found != jobs_.end() && !IsFinished(found->second->Progress())) return;
  auto job = std::make_shared<AnalysisJob>(id);
  job->Replace(progress);
  if (found == jobs_.end()) finished_order_.push_back(id);
  jobs_[id] = job;
  ForgetOldestLocked();
}

std::shared_ptr<AnalysisJob> AnalysisJobs::Find(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = jobs_.find(id);
  return found == jobs_.end() ? nullptr : found->second;
}

}  // namespace prism::service
