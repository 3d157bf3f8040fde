#include "services/analyzer/service/telemetry_store.h"

#include "absl/strings/str_cat.h"
#include "prism/v1/analyzer_service.pb.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {
namespace {

std::string Key(const std::string& program, const std::string& build_id) {
  return absl::StrCat(kMutableKeyPrefix, "telemetry/", Sha256Hex(program), "/",
                      build_id);
}

// "telemetry of program 'P' build-id B", for refusals.
std::string Subject(const v1::RuntimeTelemetry& report) {
  return absl::StrCat("telemetry of program '", report.program().substr(0, 200),
                      "' build-id ", report.build_id().substr(0, 128));
}

// Stored as a ReportTelemetryRequest: one report per host.
v1::ReportTelemetryRequest Load(Cache& cache, const std::string& key) {
  v1::ReportTelemetryRequest stored;
  if (std::optional<std::string> bytes = cache.Get(key)) {
    if (!stored.ParseFromString(*bytes)) stored.Clear();
  }
  return stored;
}

}  // namespace

absl::Status TelemetryStore::Record(const v1::RuntimeTelemetry& report) {
  const std::string key = Key(report.program(), report.build_id());
  absl::MutexLock lock(&mutex_);
  v1::ReportTelemetryRequest stored = Load(cache_, key);
  v1::RuntimeTelemetry* slot = nullptr;
  for (v1::RuntimeTelemetry& existing : *stored.mutable_reports()) {
    if (existing.host() == report.host()) slot = &existing;
  }
  if (slot == nullptr) {
    if (stored.reports_size() >= kMaxHosts) {
      return absl::ResourceExhaustedError(absl::StrCat(
          Subject(report), " already comes from ", kMaxHosts, " hosts"));
    }
    slot = stored.add_reports();
  }
  *slot = report;
  if (stored.ByteSizeLong() > kMaxEntryBytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(Subject(report), " would exceed ", kMaxEntryBytes >> 20,
                     " MiB; report refused"));
  }
  cache_.Put(key, stored.SerializeAsString());
  return absl::OkStatus();
}

std::vector<v1::RuntimeTelemetry> TelemetryStore::Reports(
    const std::string& program, const std::string& build_id) {
  v1::ReportTelemetryRequest stored = Load(cache_, Key(program, build_id));
  return {stored.reports().begin(), stored.reports().end()};
}

}  // namespace prism::service
