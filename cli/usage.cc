#include "cli/usage.h"

namespace prism::cli {

std::string_view UsageText() {
  return R"(usage: prism <command> [options]

Prism runs single-threaded libevent servers on many cores without races: it analyzes which
event handlers may conflict and schedules them in parallel only where that is safe.

commands:
  analyze      analyze a program in-process (no server needed): conflict matrix, explanations,
               and the ConstraintSet the runtime loads
  submit       send a build to prism-analyzer (uploads only what it lacks) and print the
               analysis id
  conflicts    an analysis's conflict matrix with explanations, from prism-analyzer
  explain      the conflicts of one handler, or between two, from prism-analyzer
  constraints  the ConstraintSet of one build of a program, from prism-analyzer
  run          run an unmodified, dynamically linked libevent server under the runtime
               (preloaded), with the constraints for it
  report       an analysis as one HTML page (heatmap, explanations with source, removal
               plan, hue graph), as DOT, or the diff of two analyses (html, text, sarif)
  help         print this text

Run 'prism <command> --help' for a command's options.
)";
}

}  // namespace prism::cli
