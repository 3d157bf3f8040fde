#include "cli/usage.h"

namespace prism::cli {

std::string_view UsageText() {
  return R"(usage: prism <command> [options]

Prism runs single-threaded libevent servers on many cores without races: it analyzes which
event handlers may conflict and schedules them in parallel only where that is safe.

commands:
  analyze      analyze a program in-process (no server needed) and print its conflict matrix
  submit       upload a build to a prism-analyzer service and analyze it there
  conflicts    print the conflict matrix of an analysis held by the service
  explain      explain why two handlers conflict
  constraints  fetch the ConstraintSet the runtime loads for a binary
  help         print this text

Run 'prism <command> --help' for a command's options.
)";
}

}  // namespace prism::cli
