// `prism submit`: sends a build to prism-analyzer. Finds the files each TU
// reads (include_scanner.h), uploads only those the service lacks, submits the
// manifest, follows the analysis's progress (a bar on a terminal, plain lines
// otherwise) and prints its id.
#ifndef PRISM_CLI_SUBMIT_COMMAND_H_
#define PRISM_CLI_SUBMIT_COMMAND_H_

#include <string>
#include <vector>

namespace prism::cli {

// Exit codes: 0 analysed; 1 analysed but incomplete; 2 usage error, unreachable
// service, or a refused or failed analysis (one line says which).
int RunSubmitCommand(const std::vector<std::string>& args);

}  // namespace prism::cli

#endif  // PRISM_CLI_SUBMIT_COMMAND_H_
