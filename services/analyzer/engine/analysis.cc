// Analyze (engine.h): runs the concerns of class Analysis in order and
// assembles the AnalysisResult.
#include "services/analyzer/engine/analysis.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace prism::analyzer {

namespace {

// PRISM_ANALYZE_TIMING=1: the link step's phases on stderr, beside the CLI's
// per-TU pass and link totals.
class PhaseTimer {
 public:
  PhaseTimer() : on_(std::getenv("PRISM_ANALYZE_TIMING") != nullptr) {}
  void Lap(const char* phase) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "prism analyze: link phase %s %.3f s\n", phase,
                 std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point last_ =
      std::chrono::steady_clock::now();
};

}  // namespace

AnalysisResult Analysis::Run() {
  PhaseTimer timer;
  program_.Solve(options_.jobs, options_.solved_memo);
  timer.Lap("solve");
  for (const auto& [name, declaration] : program_.fields()) {
    if (declaration->override_reason().empty()) continue;
    field_overrides_[name] = declaration;
    bare_field_overrides_[FieldName(name)] = declaration;
  }
  any_override_ = !options_.overrides.empty() || !field_overrides_.empty();
  for (const auto& [name, global] : program_.globals()) {
    if (!global->override_reason().empty()) any_override_ = true;
  }
  for (const auto& [name, model] : options_.models) {
    for (const FunctionModel::Hidden& hidden : model.hidden) {
      if (hidden.per_thread) per_thread_states_.insert(hidden.name);
    }
  }
  for (const auto& [usr, function] : program_.functions()) {
    if (!function.bodies.empty()) names_with_bodies_.insert(function.name);
  }
  DiscoverHandlers();
  FindEscapes();
  timer.Lap("handlers and escapes");
  std::vector<HandlerInfo*>& ordered = ordered_;
  for (auto& [identity, handler] : handlers_) ordered.push_back(&handler);
  std::sort(ordered.begin(), ordered.end(),
            [](const HandlerInfo* a, const HandlerInfo* b) {
              return std::make_tuple(a->proto.name(), a->proto.file(),
                                     a->proto.line()) <
                     std::make_tuple(b->proto.name(), b->proto.file(),
                                     b->proto.line());
            });
  // Each handler's accesses apart, on up to `jobs` threads (Classify only
  // reads the solved program; what it adds to is locked and order-free).
  std::vector<HandlerAccesses> accesses(ordered.size());
  std::atomic<size_t> next{0};
  auto classify = [&] {
    for (size_t k; (k = next.fetch_add(1)) < ordered.size();)
      accesses[k] = Classify(*ordered[k]);
  };
  const size_t threads = std::min<size_t>(
      static_cast<size_t>(std::max(options_.jobs, 1)), ordered.size() / 4 + 1);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(classify);
  classify();
  for (std::thread& thread : pool) thread.join();
  timer.Lap("classify");

  AnalysisResult result;
  result.set_program(options_.program);
  for (HandlerInfo* handler : ordered) *result.add_handlers() = handler->proto;
  const size_t n = ordered.size();
  std::string cells(n * n, '\0');
  AllPairs(accesses, &result, &cells);
  timer.Lap("pairs");
  result.mutable_matrix()->set_size(static_cast<uint32_t>(n));
  result.mutable_matrix()->set_cells(cells);
  result.set_complete(program_.complete() && unresolved_.empty());
  for (const std::string& reason : program_.incomplete_reasons())
    result.add_incomplete_reasons(reason);
  for (const auto& [key, diagnostic] : unresolved_) {
    result.add_incomplete_reasons(absl::StrCat(
        LocationKey(diagnostic.location()), ": ", diagnostic.message()));
  }
  for (const auto& [key, reason] : serial_reasons_) {
    if (absl::StartsWith(key, "3|")) {
      result.add_source_api_serial_reasons(reason.message());
    } else {
      result.add_serial_reasons(reason.message());
    }
    *result.add_diagnostics() = reason;
  }
  for (const prism::v1::Diagnostic& diagnostic : program_.diagnostics()) {
    *result.add_diagnostics() = diagnostic;
  }
  for (const auto& [key, diagnostic] : unresolved_)
    *result.add_diagnostics() = diagnostic;
  for (const auto& [key, diagnostic] : resolved_by_type_)
    *result.add_diagnostics() = diagnostic;
  for (const auto& [key, diagnostic] : async_callbacks_)
    *result.add_diagnostics() = diagnostic;
  if (omitted_ > 0) {
    prism::v1::Diagnostic note;
    note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
    note.set_message(absl::StrCat(
        omitted_, " further conflict explanation(s) omitted (at most ",
        kExplanationsPerPair, " per pair of handlers and kind are listed)"));
    *result.add_diagnostics() = note;
  }
  if (!program_.unknown_functions().empty()) {
    std::vector<std::string> names(program_.unknown_functions().begin(),
                                   program_.unknown_functions().end());
    const size_t total = names.size();
    if (names.size() > 30) names.resize(30);
    prism::v1::Diagnostic note;
    note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
    note.set_message(absl::StrCat(total,
                                  " function(s) called without a body or a "
                                  "library model are assumed to read "
                                  "and write everything reachable from their "
                                  "arguments and the global <unknown> "
                                  "resource: ",
                                  absl::StrJoin(names, ", "),
                                  total > names.size() ? ", ..." : ""));
    *result.add_diagnostics() = note;
  }
  AddRemovalPlan(held_pairs_, removal_groups_, &result);
  return result;
}

absl::StatusOr<AnalysisResult> Analyze(
    const std::vector<prism::v1::TranslationUnitSummary>& summaries,
    const AnalysisOptions& options) {
  Analysis analysis(summaries, options);
  return analysis.Run();
}

}  // namespace prism::analyzer
