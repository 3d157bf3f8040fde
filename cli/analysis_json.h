// Reads a saved `prism analyze --format=json` report (DESIGN.md's schema) back
// into an AnalysisResult, so `prism report` treats a file like an analysis it
// ran itself. Thread-compatible.
#ifndef PRISM_CLI_ANALYSIS_JSON_H_
#define PRISM_CLI_ANALYSIS_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "prism/v1/constraints.pb.h"

namespace prism::cli {

// Fails with one line naming what is wrong: not JSON, a missing key, a
// conflict naming a handler that is not listed, a matrix of the wrong size.
absl::StatusOr<v1::AnalysisResult> ParseAnalysisJson(const std::string& text);

}  // namespace prism::cli

#endif  // PRISM_CLI_ANALYSIS_JSON_H_
