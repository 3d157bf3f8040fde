// `prism-client`: the verbs of `prism` that may talk to prism-analyzer. `prism
// VERB ...` execs it with the same arguments (cli/verb_programs.h), so argv[1]
// is the verb here too.
#include <string>
#include <string_view>
#include <vector>

#include "cli/query_commands.h"
#include "cli/report_command.h"
#include "cli/submit_command.h"
#include "cli/verb_programs.h"

int main(int argc, char** argv) {
  if (!prism::cli::CheckVerbProgramCall(prism::cli::kClientProgram, argc,
                                        argv)) {
    return 2;
  }
  const std::string_view verb = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (verb == "submit") return prism::cli::RunSubmitCommand(args);
  if (verb == "conflicts") return prism::cli::RunConflictsCommand(args);
  if (verb == "explain") return prism::cli::RunExplainCommand(args);
  if (verb == "constraints") return prism::cli::RunConstraintsCommand(args);
  return prism::cli::RunReportCommand(args);  // The last verb of the table.
}
