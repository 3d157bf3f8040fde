// `prism-analyze`: `prism analyze`, which execs it with the same arguments
// (cli/verb_programs.h), so argv[1] is the verb here too.
#include <string>
#include <vector>

#include "cli/analyze_command.h"
#include "cli/verb_programs.h"

int main(int argc, char** argv) {
  if (!prism::cli::CheckVerbProgramCall(prism::cli::kAnalyzeProgram, argc,
                                        argv)) {
    return 2;
  }
  return prism::cli::RunAnalyzeCommand(
      std::vector<std::string>(argv + 2, argv + argc));
}
