#include "services/scheduler-agent/telemetry_relay.h"

#include "absl/strings/str_cat.h"
#include "services/analyzer/service/telemetry_sum.h"

namespace prism::agent {

absl::Status TelemetryRelay::Record(const v1::RuntimeTelemetry& report) {
  absl::MutexLock lock(&mutex_);
  const std::pair<std::string, std::string> key(report.program(),
                                                report.build_id());
  auto found = builds_.find(key);
  if (found == builds_.end()) {
    if (builds_.size() >= kMaxBuilds) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the agent already relays telemetry of ", kMaxBuilds, " builds"));
    }
    found = builds_.emplace(key, Build()).first;
  }
  Build& build = found->second;
  if (build.latest.count(report.pid()) == 0 &&
      build.latest.size() >= kMaxProcessesPerBuild) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the agent already relays telemetry of ",
                     kMaxProcessesPerBuild, " processes of this build"));
  }
  v1::RuntimeTelemetry& slot = build.latest[report.pid()];
  const size_t replaced = slot.ByteSizeLong();
  const size_t added = report.ByteSizeLong();
  if (bytes_ - replaced + added > kMaxBytes) {
    if (replaced == 0) build.latest.erase(report.pid());
    return absl::ResourceExhaustedError(
        absl::StrCat("the agent's telemetry would exceed ", kMaxBytes >> 20,
                     " MiB; report refused"));
  }
  bytes_ = bytes_ - replaced + added;
  slot = report;
  build.changed = true;
  ++received_;
  return absl::OkStatus();
}

std::vector<v1::RuntimeTelemetry> TelemetryRelay::TakeChanged() {
  std::vector<v1::RuntimeTelemetry> sums;
  absl::MutexLock lock(&mutex_);
  for (auto& [key, build] : builds_) {
    if (!build.changed) continue;
    build.changed = false;
    std::vector<v1::RuntimeTelemetry> reports;
    reports.reserve(build.latest.size());
    for (const auto& [pid, report] : build.latest) reports.push_back(report);
    v1::RuntimeTelemetry sum = service::SumTelemetry(reports);
    sum.set_host(host_);
    sum.set_pid(0);
    sums.push_back(std::move(sum));
  }
  return sums;
}

void TelemetryRelay::Restore(const std::vector<v1::RuntimeTelemetry>& unsent) {
  absl::MutexLock lock(&mutex_);
  for (const v1::RuntimeTelemetry& sum : unsent) {
    auto found = builds_.find({sum.program(), sum.build_id()});
    if (found != builds_.end()) found->second.changed = true;
  }
}

uint64_t TelemetryRelay::received() const {
  absl::MutexLock lock(&mutex_);
  return received_;
}

}  // namespace prism::agent
