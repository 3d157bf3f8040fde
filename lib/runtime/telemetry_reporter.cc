#include "lib/runtime/telemetry_reporter.h"

#include <atomic>

namespace prism {
namespace runtime {
namespace {

std::atomic<TelemetryReporterFactory> g_reporter_factory{nullptr};

}  // namespace

void SetTelemetryReporterFactory(TelemetryReporterFactory factory) {
  g_reporter_factory.store(factory);
}

std::unique_ptr<TelemetryReporter> NewTelemetryReporter(
    const std::string& socket_path, TelemetrySnapshot snapshot) {
  TelemetryReporterFactory factory = g_reporter_factory.load();
  if (factory == nullptr) return nullptr;
  return factory(socket_path, std::move(snapshot));
}

}  // namespace runtime
}  // namespace prism
