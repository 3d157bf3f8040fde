// The line format shared by the engine's data files (registration_apis.txt,
// models/*.model): one entry per line, words separated by blanks, `#` starts a
// comment. Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_DATA_LINES_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_DATA_LINES_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace prism::analyzer {

struct DataLine {
  int number = 0;                        // 1-based, for error messages.
  std::vector<absl::string_view> words;  // Never empty; views into the text.
};

// The non-empty lines of `text`, comments stripped.
std::vector<DataLine> DataLines(absl::string_view text);

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_DATA_LINES_H_
