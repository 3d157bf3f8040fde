// BuildConstraintSet (engine.h): what the runtime loads, with hues.
#include <vector>

#include "services/analyzer/engine/engine.h"

namespace prism::analyzer {

using prism::v1::AnalysisResult;

prism::v1::ConstraintSet BuildConstraintSet(const AnalysisResult& result,
                                            const std::string& build_id) {
  prism::v1::ConstraintSet set;
  set.set_format_version(1);
  set.set_program(result.program());
  set.set_build_id(build_id);
  *set.mutable_handlers() = result.handlers();
  *set.mutable_matrix() = result.matrix();
  set.set_complete(result.complete());
  *set.mutable_serial_reasons() = result.serial_reasons();
  *set.mutable_source_api_serial_reasons() = result.source_api_serial_reasons();
  *set.mutable_incomplete_reasons() = result.incomplete_reasons();
  // Hue: connected components of the global-conflict graph, numbered in handler
  // order.
  const size_t n = result.handlers_size();
  std::vector<int> hue(n, -1);
  int next_hue = 0;
  for (size_t start = 0; start < n; ++start) {
    if (hue[start] >= 0) continue;
    std::vector<size_t> stack = {start};
    hue[start] = next_hue;
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      for (size_t j = 0; j < n; ++j) {
        const size_t cell = i * n + j;
        if (hue[j] < 0 && cell < result.matrix().cells().size() &&
            (result.matrix().cells()[cell] & 1)) {
          hue[j] = next_hue;
          stack.push_back(j);
        }
      }
    }
    ++next_hue;
  }
  for (int h : hue) set.add_hue(static_cast<uint32_t>(h));
  return set;
}

}  // namespace prism::analyzer
