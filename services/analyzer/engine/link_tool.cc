// link_tool: runs the engine alone on saved summaries, for profiling the link
// step apart from Clang. Reads the JSON lines `summarize_tool --json` prints
// (one TranslationUnitSummary per line) and prints the report and the link
// time.
//
//   summarize_tool --json -p BUILD_DIR > summaries.jsonl
//   link_tool [--format=text|json|sarif] [--memo=FILE] summaries.jsonl
//
// --memo=FILE reuses the solved summaries FILE holds (when it exists) and
// writes this link's there, as prism-analyzer does between submits.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/engine/solved_memo.h"

int main(int argc, char** argv) {
  prism::analyzer::ReportFormat format = prism::analyzer::ReportFormat::kText;
  std::string path;
  std::string memo_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--memo=", 0) == 0) {
      memo_path = arg.substr(7);
    } else if (arg == "--format=json") {
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
    std::fprintf(stderr,
                 "usage: link_tool [--format=text|json|sarif] [--memo=FILE] "
                 "SUMMARIES.jsonl\n");
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
  prism::analyzer::SolvedMemo memo("link_tool");
  if (!memo_path.empty()) {
    std::ifstream kept(memo_path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(kept)),
                            std::istreambuf_iterator<char>());
    if (kept && !memo.Load(bytes)) {
      std::fprintf(stderr, "link_tool: %s does not decode; solving all\n",
                   memo_path.c_str());
    }
    options.solved_memo = &memo;
  }
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
  if (!memo_path.empty()) {
    std::ofstream(memo_path, std::ios::binary) << memo.Serialize();
    std::fprintf(stderr, "link_tool: components reused %zu, solved %zu\n",
                 memo.reused(), memo.solved());
  }
  return 0;
}
