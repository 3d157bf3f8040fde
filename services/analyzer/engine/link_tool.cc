// link_tool: runs the engine alone on saved summaries, for profiling the link
// step apart from Clang. Reads the JSON lines `summarize_tool --json` prints
// (one TranslationUnitSummary per line) and prints the report and the link
// time.
//
//   summarize_tool --json -p BUILD_DIR > summaries.jsonl
//   link_tool [--format=text|json|sarif] summaries.jsonl
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "services/analyzer/engine/engine.h"

int main(int argc, char** argv) {
  prism::analyzer::ReportFormat format = prism::analyzer::ReportFormat::kText;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--format=json") {
      format = prism::analyzer::ReportFormat::kJson;
    } else if (arg == "--format=sarif") {
      format = prism::analyzer::ReportFormat::kSarif;
    } else if (arg == "--format=text") {
      format = prism::analyzer::ReportFormat::kText;
    } else {
      path = arg;
    }
  }
  std::ifstream in(path);
  if (path.empty() || !in) {
    std::fprintf(
        stderr,
        "usage: link_tool [--format=text|json|sarif] SUMMARIES.jsonl\n");
    return 2;
  }
  std::vector<prism::v1::TranslationUnitSummary> summaries;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    prism::v1::TranslationUnitSummary summary;
    if (!google::protobuf::util::JsonStringToMessage(line, &summary).ok()) {
      std::fprintf(stderr, "link_tool: %s:%d: not a TranslationUnitSummary\n",
                   path.c_str(), line_number);
      return 2;
    }
    summaries.push_back(std::move(summary));
  }
  prism::analyzer::AnalysisOptions options;
  options.models = *prism::analyzer::BuiltinModels();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<prism::v1::AnalysisResult> result =
      prism::analyzer::Analyze(summaries, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!result.ok()) {
    std::fprintf(stderr, "link_tool: %s\n",
                 std::string(result.status().message()).c_str());
    return 1;
  }
  std::fputs(prism::analyzer::FormatReport(*result, format).c_str(), stdout);
  std::fprintf(stderr, "link_tool: %zu summaries, %d handlers, link %.3f s\n",
               summaries.size(), result->handlers_size(), seconds);
  return 0;
}
