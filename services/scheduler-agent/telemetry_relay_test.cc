#include "services/scheduler-agent/telemetry_relay.h"

#include "gtest/gtest.h"

namespace prism::agent {
namespace {

constexpr char kBuild[] = "0123456789abcdef0123456789abcdef01234567";

v1::RuntimeTelemetry Report(int pid, uint64_t waits, uint64_t nanos,
                            uint32_t waiting = 0, uint32_t running = 1) {
  v1::RuntimeTelemetry report;
  report.set_program("httpd");
  report.set_build_id(kBuild);
  report.set_pid(pid);
  v1::ConstraintWait* wait = report.add_waits();
  wait->set_waiting(waiting);
  wait->set_running(running);
  wait->set_kind(v1::CONFLICT_KIND_GLOBAL);
  wait->set_waits(waits);
  wait->set_wait_nanos(nanos);
  return report;
}

TEST(TelemetryRelayTest, SumsEachProcesssLatestReportCostliestFirst) {
  TelemetryRelay relay("host-a");
  ASSERT_TRUE(relay.Record(Report(1, 5, 100)).ok());
  ASSERT_TRUE(relay.Record(Report(1, 7, 150)).ok());  // Cumulative: replaces.
  ASSERT_TRUE(relay.Record(Report(2, 3, 50)).ok());
  ASSERT_TRUE(relay.Record(Report(2, 1, 900, 1, 0)).ok());  // Replaces pid 2's.
  std::vector<v1::RuntimeTelemetry> sums = relay.TakeChanged();
  ASSERT_EQ(sums.size(), 1u);
  const v1::RuntimeTelemetry& sum = sums[0];
  EXPECT_EQ(sum.host(), "host-a");
  EXPECT_EQ(sum.pid(), 0);
  EXPECT_EQ(sum.processes(), 2u);
  ASSERT_EQ(sum.waits_size(), 2);
  EXPECT_EQ(sum.waits(0).waiting(), 1u);  // 900 ns first.
  EXPECT_EQ(sum.waits(0).wait_nanos(), 900u);
  EXPECT_EQ(sum.waits(1).waits(), 7u);
  EXPECT_EQ(sum.waits(1).wait_nanos(), 150u);
  EXPECT_EQ(relay.received(), 4u);
}

TEST(TelemetryRelayTest, ForwardsOnlyWhatChangedAndRetriesWhatFailed) {
  TelemetryRelay relay("host-a");
  ASSERT_TRUE(relay.Record(Report(1, 5, 100)).ok());
  std::vector<v1::RuntimeTelemetry> first = relay.TakeChanged();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(relay.TakeChanged().empty());
  relay.Restore(first);  // The analyzer could not take them.
  EXPECT_EQ(relay.TakeChanged().size(), 1u);
}

TEST(TelemetryRelayTest, RefusesMoreProcessesThanItKeeps) {
  TelemetryRelay relay("host-a");
  for (size_t pid = 1; pid <= TelemetryRelay::kMaxProcessesPerBuild; ++pid) {
    ASSERT_TRUE(relay.Record(Report(static_cast<int>(pid), 1, 1)).ok());
  }
  absl::Status refused = relay.Record(Report(
      static_cast<int>(TelemetryRelay::kMaxProcessesPerBuild + 1), 1, 1));
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
  // A process it already keeps may still report.
  EXPECT_TRUE(relay.Record(Report(1, 2, 2)).ok());
}

}  // namespace
}  // namespace prism::agent
