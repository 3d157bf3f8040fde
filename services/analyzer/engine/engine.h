// The analysis engine's public face: from per-TU summaries (the frontend's
// output) to the conflict matrix with explanations (AnalysisResult), the
// ConstraintSet the runtime loads, and the reports `prism analyze` prints.
// DESIGN.md states what the matrix means; README.md beside this file states the
// rules the engine applies (library models, unknown code, escapes, overrides).
// Thread-compatible: calls share no state.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_ENGINE_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_ENGINE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "prism/v1/common.pb.h"
#include "prism/v1/constraints.pb.h"
#include "prism/v1/summary.pb.h"
#include "services/analyzer/engine/library_models.h"

namespace prism::analyzer {

// A programmer's override from a config file: conflicts on `resource` are
// removed.
struct Override {
  std::string resource;  // A resource as reports print it, a global's name, or
                         // "record::field".
  std::string reason;
  prism::v1::SourceLocation declared_at;
};

// Parses an overrides file: one `resource: reason` per line; `#` starts a
// comment.
absl::StatusOr<std::vector<Override>> ParseOverrides(
    absl::string_view text, absl::string_view file_name);

class SolvedMemo;

struct AnalysisOptions {
  std::string program;
  ModelTable models;  // Usually BuiltinModels() plus the user's --model files.
  std::vector<Override> overrides;
  // Threads the link step may use; the result is the same for any number.
  int jobs = 1;
  // Solved summaries from the last link of this program, and where this link
  // keeps its own for the next (solved_memo.h); the result is the same with
  // or without one. Not owned; may be null.
  SolvedMemo* solved_memo = nullptr;
};

// Links the summaries and computes handlers, the matrix and explanations. Fails
// only on invalid options; bad or missing code makes the result incomplete,
// never an error.
absl::StatusOr<prism::v1::AnalysisResult> Analyze(
    const std::vector<prism::v1::TranslationUnitSummary>& summaries,
    const AnalysisOptions& options);

// The ConstraintSet for `result` (format_version 1), stamped with `build_id`
// (may be empty).
prism::v1::ConstraintSet BuildConstraintSet(
    const prism::v1::AnalysisResult& result, const std::string& build_id);

enum class ReportFormat { kText, kJson, kSarif };
std::string FormatReport(const prism::v1::AnalysisResult& result,
                         ReportFormat format);

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_ENGINE_H_
