// Where a pointer value sits inside an aggregate value (summary.proto,
// ValueSource.within): the selectors from the aggregate to the value. A struct
// passed or returned by value, or the contents of a local passed by address,
// travels as the pointer values it holds, each with its place, so a callee
// that reads `r.c->n` follows the value stored at `c` and no other.
//
// Places are compared with the places accessed or read in the same aggregate.
// Selectors compare by field name (a record qualifier, "conn::c", is ignored);
// "*" and "[]" are both dereferences and match each other; kAnyPlace matches
// zero or more field and element selectors (a value somewhere inside an object
// a constructor built, or inside a cut path).
#ifndef PRISM_SERVICES_ANALYZER_COMMON_WITHIN_H_
#define PRISM_SERVICES_ANALYZER_COMMON_WITHIN_H_

#include <string>
#include <vector>

namespace prism::within {

inline constexpr char kAnyPlace[] = "?";

bool IsDereference(const std::string& selector);

struct PlaceMatch {
  enum class Kind {
    kAt,     // The value is exactly at the wanted place.
    kBelow,  // The value is inside the wanted place, at `rest` below it.
    kAbove,  // The wanted place is `rest` below the value's place.
  };
  Kind kind = Kind::kAt;
  std::vector<std::string> rest;
};

// Every way the place `within` (which may hold kAnyPlace) relates to the place
// `wanted`; empty when they are disjoint (different fields).
std::vector<PlaceMatch> MatchPlace(const std::vector<std::string>& within,
                                   const std::vector<std::string>& wanted);

}  // namespace prism::within

#endif  // PRISM_SERVICES_ANALYZER_COMMON_WITHIN_H_
