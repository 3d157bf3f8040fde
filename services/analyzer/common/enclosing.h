// Where a pointer moved by arithmetic may point. C keeps `p + n`, `p - n`,
// `p++` inside one object, but which part of it the analysis cannot tell: a
// container_of steps back from a member to the struct around it, `(char *)p +
// off` reaches any field. So such a pointer may point anywhere in the object
// that holds what it pointed to — the innermost object reached by a
// dereference (or the variable itself): its path is cut back to its last
// dereference and stands for everything below it (truncated).
//
// Where that dereference is a caller's argument (a parameter's pointee, a
// callee's returned pointer, `*this`), the object is only known when the link
// step substitutes the argument: the path keeps kEnclosingObject after the
// dereference and the link step cuts the substituted path there.
#ifndef PRISM_SERVICES_ANALYZER_COMMON_ENCLOSING_H_
#define PRISM_SERVICES_ANALYZER_COMMON_ENCLOSING_H_

#include <string>
#include <vector>

namespace prism::enclosing {

inline constexpr char kEnclosingObject[] = "<enclosing>";

// How a path's base is bound.
enum class Base {
  kResolved,  // A global, a local, an allocation, unknown memory.
  // A parameter or a call's result: the first dereference is the caller's
  // argument (or the callee's returned value), substituted at link time.
  kFirstDereferenceBound,
  // `this` as the front-end writes it: the base is the object, substituted.
  kBaseBound,
};

bool HasMarker(const std::vector<std::string>& selectors);

// If `selectors` holds kEnclosingObject: cuts them to the enclosing object
// (keeping the marker where the object is still to be substituted) and
// returns true; the caller marks the path truncated. `records`, when given,
// runs parallel to `selectors` and is cut the same way ("" for the marker).
bool CutToEnclosing(std::vector<std::string>* selectors,
                    std::vector<std::string>* records, Base base);

}  // namespace prism::enclosing

#endif  // PRISM_SERVICES_ANALYZER_COMMON_ENCLOSING_H_
