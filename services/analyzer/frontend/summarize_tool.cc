// summarize_tool: runs the analyzer's per-TU pass over a build and prints what
// it found.
//
//   summarize_tool [-j N] [--json] -p BUILD_DIR [FILES...]
//   summarize_tool [-j N] [--json] FILES... -- COMPILER_FLAGS
//
// Without --json it prints one line per TU and a total; with --json, every
// summary as JSON (one per line). A development tool for the front-end and its
// corpus run; `prism analyze` is the user-facing command.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "services/analyzer/frontend/compilation_database.h"
#include "services/analyzer/frontend/summarize.h"

int main(int argc, char** argv) {
  int jobs = 0;
  bool json = false;
  bool quiet = false;
  std::vector<std::string> rest;
  bool after_dashes = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (after_dashes) {
      rest.push_back(arg);
    } else if (arg == "--") {
      after_dashes = true;
      rest.push_back(arg);
    } else if (arg == "-j" && i + 1 < argc) {
      jobs = std::atoi(argv[++i]);
    } else if (arg.rfind("-j", 0) == 0 && arg.size() > 2) {
      jobs = std::atoi(arg.c_str() + 2);
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "-h" || arg == "--help") {
      std::printf(
          "usage: summarize_tool [-j N] [--json] [--quiet] (-p BUILD_DIR "
          "[FILES...] | FILES... -- "
          "FLAGS)\n");
      return 0;
    } else {
      rest.push_back(arg);
    }
  }
  absl::StatusOr<std::vector<prism::frontend::CompileCommand>> commands =
      prism::frontend::CommandsFromCommandLine(rest);
  if (!commands.ok()) {
    std::fprintf(stderr, "summarize_tool: %s\n",
                 std::string(commands.status().message()).c_str());
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<prism::v1::TranslationUnitSummary> summaries =
      prism::frontend::SummarizeAll(*commands, jobs);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  size_t functions = 0, bodies = 0, accesses = 0, calls = 0, stores = 0,
         failed = 0, declarations = 0, annotated = 0, address_taken = 0;
  for (const prism::v1::TranslationUnitSummary& summary : summaries) {
    size_t tu_accesses = 0, tu_calls = 0;
    for (const prism::v1::Function& function : summary.functions()) {
      ++functions;
      bodies += function.has_body();
      annotated += function.annotated_handler();
      address_taken += function.address_taken() && function.has_body();
      tu_accesses += function.accesses_size();
      tu_calls += function.calls_size();
      stores += function.stores_size();
    }
    accesses += tu_accesses;
    calls += tu_calls;
    declarations += summary.declarations_size();
    failed += !summary.parsed();
    if (json) {
      std::string text;
      google::protobuf::util::JsonPrintOptions options;
      (void)google::protobuf::util::MessageToJsonString(summary, &text,
                                                        options);
      std::printf("%s\n", text.c_str());
    } else if (!quiet) {
      std::printf("%s%s: %d functions, %zu accesses, %zu calls\n",
                  summary.main_file().c_str(),
                  summary.parsed() ? "" : " (NOT PARSED)",
                  summary.functions_size(), tu_accesses, tu_calls);
      if (!summary.parsed()) {
        for (const auto& diagnostic : summary.diagnostics()) {
          std::printf("  %s:%u:%u: %s\n", diagnostic.location().file().c_str(),
                      diagnostic.location().line(),
                      diagnostic.location().column(),
                      diagnostic.message().c_str());
        }
      }
    }
  }
  std::fprintf(json ? stderr : stdout,
               "TOTAL: %zu TUs (%zu not parsed), %zu functions (%zu with body, "
               "%zu address-taken, "
               "%zu annotated handlers), %zu accesses, %zu calls, %zu stores, "
               "%zu declarations, "
               "%.3f s\n",
               summaries.size(), failed, functions, bodies, address_taken,
               annotated, accesses, calls, stores, declarations, seconds);
  return 0;
}
