#include "services/analyzer/common/enclosing.h"

#include <algorithm>

#include "services/analyzer/common/within.h"

namespace prism::enclosing {

bool HasMarker(const std::vector<std::string>& selectors) {
  return std::find(selectors.begin(), selectors.end(), kEnclosingObject) !=
         selectors.end();
}

bool CutToEnclosing(std::vector<std::string>* selectors,
                    std::vector<std::string>* records, Base base) {
  const auto marker =
      std::find(selectors->begin(), selectors->end(), kEnclosingObject);
  if (marker == selectors->end()) return false;
  const size_t at = static_cast<size_t>(marker - selectors->begin());
  // The last dereference before the marker: the object is what it reaches.
  size_t keep = 0;  // No dereference: the base object itself.
  for (size_t i = at; i > 0; --i) {
    if (within::IsDereference((*selectors)[i - 1])) {
      keep = i;
      break;
    }
  }
  const bool substituted_later =
      (base == Base::kFirstDereferenceBound && keep == 1) ||
      (base == Base::kBaseBound && keep == 0);
  selectors->resize(keep);
  if (records != nullptr) records->resize(std::min(records->size(), keep));
  if (substituted_later) {
    selectors->push_back(kEnclosingObject);
    if (records != nullptr) {
      records->resize(keep, "");
      records->push_back("");
    }
  }
  return true;
}

}  // namespace prism::enclosing
