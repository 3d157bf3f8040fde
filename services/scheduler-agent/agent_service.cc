#include "services/scheduler-agent/agent_service.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace prism::agent {
namespace {

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

bool Unreachable(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

// Program names are chosen by whoever builds the server: printable, bounded.
bool IsWellFormedProgram(const std::string& program) {
  if (program.empty() || program.size() > 255) return false;
  for (unsigned char c : program) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// OK, or why `what` (an RPC's request) does not name a program and a build.
grpc::Status CheckProgramAndBuild(const char* what, const std::string& program,
                                  const std::string& build_id) {
  if (!IsWellFormedProgram(program)) {
    return Invalid(
        absl::StrCat(what, " needs a program name of 1..255 printable bytes"));
  }
  if (!IsWellFormedBuildId(build_id)) {
    return Invalid(absl::StrCat(
        "build-id '", build_id.substr(0, 140),
        "' is not a GNU build-id (8..128 lowercase hex digits, even count)"));
  }
  return grpc::Status::OK;
}

}  // namespace

AgentService::AgentService(ConstraintCache* cache,
                           std::unique_ptr<AnalyzerUpstream> upstream,
                           std::string host)
    : cache_(cache),
      upstream_(std::move(upstream)),
      telemetry_(std::move(host)) {}

void AgentService::SetHealth(grpc::HealthCheckServiceInterface* health) {
  absl::MutexLock lock(&mutex_);
  health_ = health;
  health_->SetServingStatus("prism.v1.Agent", true);
  health_->SetServingStatus(kAnalyzerHealthName, !degraded_);
}

void AgentService::SetDegraded(bool degraded, const std::string& reason) {
  absl::MutexLock lock(&mutex_);
  if (degraded != degraded_) {
    std::fprintf(stderr, "prism-agent: %s\n",
                 degraded ? absl::StrCat("degraded: ", reason,
                                         "; serving cached constraints only")
                                .c_str()
                          : "analyzer reachable again; no longer degraded");
  }
  degraded_ = degraded;
  degraded_reason_ = degraded ? reason : "";
  if (health_ != nullptr) {
    health_->SetServingStatus(kAnalyzerHealthName, !degraded);
  }
}

bool AgentService::DegradedBy(const absl::Status& status) {
  if (!Unreachable(status)) return false;
  SetDegraded(true, std::string(status.message()));
  return true;
}

void AgentService::CheckAnalyzer(absl::Duration wait) {
  if (upstream_ == nullptr) return;
  if (upstream_->Reachable(wait)) {
    SetDegraded(false, "");
  } else {
    SetDegraded(true, absl::StrCat("analyzer at ", upstream_->address(),
                                   " is unreachable"));
  }
}

absl::StatusOr<v1::ConstraintSet> AgentService::FetchShared(
    const std::string& program, const std::string& build_id,
    absl::Time deadline) {
  const std::string key = absl::StrCat(build_id, "\n", program);
  std::shared_ptr<Fetch> fetch;
  bool leader = false;
  {
    absl::MutexLock lock(&mutex_);
    auto [it, inserted] = in_flight_.try_emplace(key);
    if (inserted) it->second = std::make_shared<Fetch>();
    fetch = it->second;
    leader = inserted;
  }
  if (!leader) {
    if (!fetch->done.WaitForNotificationWithDeadline(deadline)) {
      return absl::DeadlineExceededError(
          "deadline passed while the analyzer was asked for this build");
    }
    return fetch->result;
  }
  absl::StatusOr<v1::ConstraintSet> result =
      upstream_->Fetch(program, build_id);
  if (result.ok()) {
    if (absl::Status stored = cache_->Put(program, build_id, *result);
        !stored.ok()) {
      std::fprintf(stderr, "prism-agent: not cached: %s\n",
                   std::string(stored.message()).c_str());
    }
  }
  if (!DegradedBy(result.status())) SetDegraded(false, "");
  fetch->result = result;
  {
    absl::MutexLock lock(&mutex_);
    in_flight_.erase(key);
  }
  fetch->done.Notify();
  return result;
}

grpc::Status AgentService::GetConstraints(
    grpc::ServerContext* context, const v1::AgentGetConstraintsRequest* request,
    v1::AgentGetConstraintsResponse* response) {
  requests_.fetch_add(1);
  const std::string& program = request->program();
  const std::string& build_id = request->build_id();
  if (grpc::Status checked =
          CheckProgramAndBuild("GetConstraints", program, build_id);
      !checked.ok()) {
    return checked;
  }
  if (std::optional<v1::ConstraintSet> cached =
          cache_->Get(program, build_id)) {
    cache_hits_.fetch_add(1);
    *response->mutable_constraints() = *std::move(cached);
    response->set_from_cache(true);
    return grpc::Status::OK;
  }
  if (upstream_ == nullptr) {
    not_found_.fetch_add(1);
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("no cached constraints for program '", program,
                     "' build-id ", build_id,
                     " and no analyzer configured (--analyzer)"));
  }
  absl::StatusOr<v1::ConstraintSet> fetched =
      FetchShared(program, build_id, absl::FromChrono(context->deadline()));
  if (!fetched.ok()) {
    if (absl::IsNotFound(fetched.status())) not_found_.fetch_add(1);
    if (Unreachable(fetched.status())) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("no cached constraints for program '",
                                       program, "' build-id ", build_id,
                                       ", and ", fetched.status().message()));
    }
    return ToGrpc(fetched.status());
  }
  fetched_.fetch_add(1);
  *response->mutable_constraints() = *std::move(fetched);
  response->set_from_cache(false);
  return grpc::Status::OK;
}

grpc::Status AgentService::ReportTelemetry(
    grpc::ServerContext*, const v1::AgentReportTelemetryRequest* request,
    v1::AgentReportTelemetryResponse*) {
  const v1::RuntimeTelemetry& report = request->telemetry();
  if (grpc::Status checked = CheckProgramAndBuild("telemetry", report.program(),
                                                  report.build_id());
      !checked.ok()) {
    return checked;
  }
  if (report.pid() <= 0) return Invalid("telemetry needs the process's pid");
  return ToGrpc(telemetry_.Record(report));
}

void AgentService::RefreshCached() {
  if (upstream_ == nullptr) return;
  for (const auto& [program, build_id] : cache_->Keys()) {
    absl::StatusOr<v1::ConstraintSet> fetched =
        upstream_->Fetch(program, build_id);
    if (!fetched.ok()) {
      if (DegradedBy(fetched.status())) return;
      continue;
    }
    std::optional<v1::ConstraintSet> cached = cache_->Get(program, build_id);
    if (cached && cached->SerializeAsString() == fetched->SerializeAsString()) {
      continue;
    }
    if (cache_->Put(program, build_id, *fetched).ok()) refreshed_.fetch_add(1);
  }
}

void AgentService::ForwardTelemetry() {
  if (upstream_ == nullptr) return;
  std::vector<v1::RuntimeTelemetry> sums = telemetry_.TakeChanged();
  if (sums.empty()) return;
  absl::Status sent = upstream_->Report(sums);
  if (sent.ok()) {
    telemetry_forwarded_.fetch_add(sums.size());
    return;
  }
  telemetry_forward_failures_.fetch_add(1);
  telemetry_.Restore(sums);
  DegradedBy(sent);
}

grpc::Status AgentService::GetStatus(grpc::ServerContext*,
                                     const v1::AgentStatusRequest*,
                                     v1::AgentStatusResponse* response) {
  {
    absl::MutexLock lock(&mutex_);
    response->set_degraded(degraded_);
    response->set_degraded_reason(degraded_reason_);
  }
  if (upstream_ != nullptr) response->set_analyzer(upstream_->address());
  response->set_cached_sets(cache_->EntryCount());
  response->set_requests(requests_.load());
  response->set_cache_hits(cache_hits_.load());
  response->set_fetched(fetched_.load());
  response->set_not_found(not_found_.load());
  response->set_corrupt_entries_discarded(cache_->corrupt_discarded());
  response->set_refreshed(refreshed_.load());
  response->set_telemetry_reports(telemetry_.received());
  response->set_telemetry_forwarded(telemetry_forwarded_.load());
  response->set_telemetry_forward_failures(telemetry_forward_failures_.load());
  return grpc::Status::OK;
}

}  // namespace prism::agent
