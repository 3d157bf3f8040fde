#include "services/analyzer/common/within.h"

#include <algorithm>
#include <tuple>

namespace prism::within {
namespace {

std::string FieldName(const std::string& selector) {
  const size_t colons = selector.rfind("::");
  return colons == std::string::npos ? selector : selector.substr(colons + 2);
}

bool SameSelector(const std::string& a, const std::string& b) {
  if (IsDereference(a) || IsDereference(b)) {
    return IsDereference(a) && IsDereference(b);
  }
  return FieldName(a) == FieldName(b);
}

void Match(const std::vector<std::string>& within, size_t i,
           const std::vector<std::string>& wanted, size_t j,
           std::vector<PlaceMatch>* out) {
  if (i == within.size()) {
    PlaceMatch match;
    match.kind =
        j == wanted.size() ? PlaceMatch::Kind::kAt : PlaceMatch::Kind::kAbove;
    match.rest.assign(wanted.begin() + j, wanted.end());
    out->push_back(std::move(match));
    return;
  }
  if (j == wanted.size()) {
    PlaceMatch match;
    match.kind = PlaceMatch::Kind::kBelow;
    match.rest.assign(within.begin() + i, within.end());
    // A leading kAnyPlace may also match nothing: the value may be right at
    // the wanted place.
    out->push_back(std::move(match));
    return;
  }
  if (within[i] == kAnyPlace) {
    Match(within, i + 1, wanted, j, out);  // Matches nothing.
    if (!IsDereference(wanted[j]))
      Match(within, i, wanted, j + 1, out);  // Absorbs one more.
    return;
  }
  if (SameSelector(within[i], wanted[j]))
    Match(within, i + 1, wanted, j + 1, out);
}

}  // namespace

bool IsDereference(const std::string& selector) {
  return selector == "*" || selector == "[]";
}

std::vector<PlaceMatch> MatchPlace(const std::vector<std::string>& within,
                                   const std::vector<std::string>& wanted) {
  std::vector<PlaceMatch> out;
  Match(within, 0, wanted, 0, &out);
  // The same outcome reached along different absorptions is reported once.
  std::sort(out.begin(), out.end(),
            [](const PlaceMatch& a, const PlaceMatch& b) {
              return std::tie(a.kind, a.rest) < std::tie(b.kind, b.rest);
            });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const PlaceMatch& a, const PlaceMatch& b) {
                          return a.kind == b.kind && a.rest == b.rest;
                        }),
            out.end());
  return out;
}

}  // namespace prism::within
