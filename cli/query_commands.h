// `prism conflicts`, `prism explain` and `prism constraints`: queries of a
// finished analysis on prism-analyzer, printed in the formats `prism analyze`
// prints (the same engine formats them).
#ifndef PRISM_CLI_QUERY_COMMANDS_H_
#define PRISM_CLI_QUERY_COMMANDS_H_

#include <string>
#include <vector>

namespace prism::cli {

// Exit codes as `prism analyze`: 0 complete, 1 incomplete or an output not
// written, 2 usage error, unreachable service or a refused query.
int RunConflictsCommand(const std::vector<std::string>& args);
int RunExplainCommand(const std::vector<std::string>& args);
int RunConstraintsCommand(const std::vector<std::string>& args);

}  // namespace prism::cli

#endif  // PRISM_CLI_QUERY_COMMANDS_H_
