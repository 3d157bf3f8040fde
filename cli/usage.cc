#include "cli/usage.h"

namespace prism::cli {

std::string_view UsageText() {
  return R"(usage: prism <command> [options]

Prism runs single-threaded libevent servers on many cores without races: it analyzes which
event handlers may conflict and schedules them in parallel only where that is safe.

commands:
  analyze      analyze a program in-process (no server needed): conflict matrix, explanations,
               and the ConstraintSet the runtime loads
  help         print this text

Run 'prism <command> --help' for a command's options.
)";
}

}  // namespace prism::cli
