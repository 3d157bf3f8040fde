// `prism analyze`: the embedded analyzer. Runs the per-TU pass
// (services/analyzer/frontend) over a build's compile commands, links the
// summaries (services/analyzer/engine) and prints the conflict matrix with
// explanations; optionally writes the binary ConstraintSet for the runtime. No
// server is involved.
#ifndef PRISM_CLI_ANALYZE_COMMAND_H_
#define PRISM_CLI_ANALYZE_COMMAND_H_

#include <string>
#include <vector>

namespace prism::cli {

// Exit codes, as clang-tidy's: 0 analysed (conflicts are results, not errors);
// 1 the analysis is incomplete (a translation unit failed to parse, a callback
// could not be resolved) or an output could not be written; 2 usage or input
// error.
int RunAnalyzeCommand(const std::vector<std::string>& args);

// The text `prism analyze --help` prints.
const char* AnalyzeUsage();

}  // namespace prism::cli

#endif  // PRISM_CLI_ANALYZE_COMMAND_H_
