#include "services/analyzer/service/telemetry_sum.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace prism::service {

v1::RuntimeTelemetry SumTelemetry(
    const std::vector<v1::RuntimeTelemetry>& reports) {
  v1::RuntimeTelemetry sum;
  if (reports.empty()) return sum;
  sum.set_program(reports.front().program());
  sum.set_build_id(reports.front().build_id());
  sum.set_mode(reports.front().mode());
  sum.set_workers(reports.front().workers());
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> handlers;
  std::map<std::tuple<uint32_t, uint32_t, int>, std::pair<uint64_t, uint64_t>>
      waits;
  uint64_t processes = 0, dropped = 0;
  for (const v1::RuntimeTelemetry& report : reports) {
    processes += report.processes() > 0 ? report.processes() : 1;
    dropped += report.reports_dropped();
    for (const v1::HandlerStats& h : report.handlers()) {
      auto& [invocations, run_nanos] = handlers[h.handler()];
      invocations += h.invocations();
      run_nanos += h.run_nanos();
    }
    for (const v1::ConstraintWait& w : report.waits()) {
      auto& [count, nanos] = waits[{w.waiting(), w.running(), w.kind()}];
      count += w.waits();
      nanos += w.wait_nanos();
    }
  }
  sum.set_processes(static_cast<uint32_t>(processes));
  sum.set_reports_dropped(dropped);
  for (const auto& [handler, counts] : handlers) {
    v1::HandlerStats* h = sum.add_handlers();
    h->set_handler(handler);
    h->set_invocations(counts.first);
    h->set_run_nanos(counts.second);
  }
  for (const auto& [key, counts] : waits) {
    v1::ConstraintWait* w = sum.add_waits();
    w->set_waiting(std::get<0>(key));
    w->set_running(std::get<1>(key));
    w->set_kind(static_cast<v1::ConflictKind>(std::get<2>(key)));
    w->set_waits(counts.first);
    w->set_wait_nanos(counts.second);
  }
  std::stable_sort(
      sum.mutable_waits()->begin(), sum.mutable_waits()->end(),
      [](const v1::ConstraintWait& a, const v1::ConstraintWait& b) {
        return std::make_pair(a.wait_nanos(), a.waits()) >
               std::make_pair(b.wait_nanos(), b.waits());
      });
  return sum;
}

}  // namespace prism::service
