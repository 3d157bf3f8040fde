// `prism report`: an analysis as something people look at. One self-contained
// HTML page (heatmap of the matrix, explanations with their source lines, the
// removal plan, the hue graph, a summary line), the conflict graph as DOT, or
// the diff of two analyses (HTML, text or SARIF) for a pull request's review.
// The analysis comes from a build (-p, analysed in process as `prism analyze`
// does), a saved `prism analyze --format=json` file, or prism-analyzer.
#ifndef PRISM_CLI_REPORT_COMMAND_H_
#define PRISM_CLI_REPORT_COMMAND_H_

#include <string>
#include <vector>

namespace prism::cli {

// Exit codes: 0 written; with --baseline, 1 when the new analysis has a global
// conflict the old one lacked (a CI gate); 2 usage or input error (one line
// says which).
int RunReportCommand(const std::vector<std::string>& args);

}  // namespace prism::cli

#endif  // PRISM_CLI_REPORT_COMMAND_H_
