// The `prism` command-line tool.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/analyze_command.h"
#include "cli/query_commands.h"
#include "cli/report_command.h"
#include "cli/run_command.h"
#include "cli/submit_command.h"
#include "cli/usage.h"

namespace {

int PrintUsage(std::FILE* out) {
  std::fputs(prism::cli::UsageText().data(), out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "help" || command == "--help" || command == "-h") {
    return PrintUsage(stdout);
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "analyze") return prism::cli::RunAnalyzeCommand(args);
  if (command == "submit") return prism::cli::RunSubmitCommand(args);
  if (command == "conflicts") return prism::cli::RunConflictsCommand(args);
  if (command == "explain") return prism::cli::RunExplainCommand(args);
  if (command == "report") return prism::cli::RunReportCommand(args);
  if (command == "constraints") return prism::cli::RunConstraintsCommand(args);
  if (command == "run") return prism::cli::RunRunCommand(args);
  std::fprintf(stderr, "prism: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
