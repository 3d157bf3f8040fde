// The `prism` command-line tool: `help` and `run` here, every other verb in the
// program cli/verb_programs.h names for it.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cli/run_command.h"
#include "cli/usage.h"
#include "cli/verb_programs.h"

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
  if (command == "run") {
    return prism::cli::RunRunCommand(
        std::vector<std::string>(argv + 2, argv + argc));
  }
  if (const char* program = prism::cli::ProgramForVerb(command)) {
    return prism::cli::ExecVerbProgram(program, argv);
  }
  std::fprintf(stderr, "prism: unknown command '%s'\n\n", argv[1]);
  PrintUsage(stderr);
  return 2;
}
