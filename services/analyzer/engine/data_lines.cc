#include "services/analyzer/engine/data_lines.h"

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace prism::analyzer {

std::vector<DataLine> DataLines(absl::string_view text) {
  std::vector<DataLine> lines;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    lines.push_back({number, absl::StrSplit(line, absl::ByAnyChar(" \t"),
                                            absl::SkipEmpty())});
  }
  return lines;
}

}  // namespace prism::analyzer
