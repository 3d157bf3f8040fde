// The link step's vocabulary: memory paths, pointer values and accesses after
// summaries from many translation units have been merged and callee effects
// instantiated at call sites. Internal to the engine; the wire format is
// prism.v1.TranslationUnitSummary (summary.proto).
#ifndef PRISM_SERVICES_ANALYZER_ENGINE_EFFECTS_H_
#define PRISM_SERVICES_ANALYZER_ENGINE_EFFECTS_H_

#include <memory>
#include <string>
#include <vector>

#include "prism/v1/common.pb.h"
#include "prism/v1/summary.pb.h"

namespace prism::analyzer {

enum class BaseKind {
  kUnknown,
  kGlobal,
  kParameter,
  kHiddenState,
  kFresh,
  kReturn,
  // A local whose address was handed to calls (summary.proto,
  // BASE_ESCAPED_LOCAL), keyed like kFresh: resolved in the body that owns it.
  kEscapedLocal
};

// The parameter index that stands for `this`: THIS + s is normalized to
// (this-parameter, "*", s).
inline constexpr int kThisParameter = -1;
// Longer selector chains are cut: the prefix denotes the whole object, which
// overlaps everything below it, so cutting only adds conflicts. It also bounds
// recursion through linked structures.
inline constexpr size_t kMaxSelectors = 6;

struct Path {
  BaseKind base = BaseKind::kUnknown;
  std::string
      key;  // kGlobal: USR; kHiddenState: its name; kFresh: allocation site.
  int index =
      0;  // kParameter: 0-based (kThisParameter); kReturn: the call's index.
  std::string name;  // How reports print the base.
  std::vector<std::string> selectors;
  // The path stands for everything below it (the front-end cut a long or
  // cyclic chain, or a cast between record types): nothing may be appended to
  // it, or an access below it could be missed.
  bool truncated = false;
  // A dereference was cut off by the truncation (the path goes on through a
  // pointer held below where it stops): memory a callee allocated is followed
  // through the pointers held in it (FollowHeldPointers). Not identity.
  bool absorbed_dereference = false;

  std::string Key() const;  // Identity (without `name`).
  bool IsShared()
      const {  // Not the function's own memory: global, hidden or unknown.
    return base == BaseKind::kGlobal || base == BaseKind::kHiddenState ||
           base == BaseKind::kUnknown;
  }
};

// One thing a pointer value may be.
struct Value {
  enum class Kind { kAddressOf, kLoadedFrom, kFunction, kUnknown };
  Kind kind = Kind::kUnknown;
  Path path;                 // kAddressOf, kLoadedFrom.
  std::string function_usr;  // kFunction.
  // Empty: the value itself. Otherwise a pointer held inside the value (a
  // struct passed or returned by value, or the pointee of a pointer to local
  // memory) at these selectors (summary.proto, ValueSource.within).
  std::vector<std::string> within;
  std::string Key() const;
};

// The call chain from a function down to the function that contains an access,
// outermost first.
struct Via {
  std::string function;
  std::shared_ptr<const Via> next;
};
using ViaPtr = std::shared_ptr<const Via>;
std::vector<std::string> ViaToVector(const ViaPtr& via);

struct Effect {
  Path path;
  bool write = false;
  bool atomic = false;
  // The access touches pointer-free bytes only (Access.bytes_only): where its
  // path stands for anywhere in one object, not what pointers held there
  // reach.
  bool bytes_only = false;
  // The access went on through a pointer below its truncated path
  // (Access.dereferences_below): FollowHeldPointers follows what is held there.
  bool dereferences_below = false;
  prism::v1::SourceLocation location;
  ViaPtr via;
  // The type of the object the access designates (Access.designated_type):
  // where it lands, an object of that type lives. Empty: any object. An
  // effect standing for several accesses has one only if they all agree
  // (MergeEffect). Prefixed with kLibraryMade: an object only the library
  // makes (the FILE a stream call locks), never one a program placed in a
  // byte array of its own.
  std::string designated_type;
};

inline constexpr char kLibraryMade[] = "@";

// Folds an access filed under the same key as `kept` into it: what the key
// does not say (atomicity, the designated type) holds for both only where
// both agree.
inline void MergeAccess(bool atomic, const std::string& designated_type,
                        Effect* kept) {
  kept->atomic = kept->atomic && atomic;
  if (kept->designated_type != designated_type) kept->designated_type.clear();
}

inline void MergeEffect(const Effect& other, Effect* kept) {
  MergeAccess(other.atomic, other.designated_type, kept);
}

struct Store {
  Path target;
  Value value;
  prism::v1::SourceLocation location;
  ViaPtr via;
};

// A field selector's field name without its record ("conn::state" -> "state").
std::string FieldName(const std::string& selector);
bool HasDereference(const std::vector<std::string>& selectors);
bool SelectorsOverlap(const std::vector<std::string>& a,
                      const std::vector<std::string>& b);
// The same with `a_last` (when not null) appended to `a`, without a copy.
bool SelectorsOverlap(const std::vector<std::string>& a,
                      const std::string* a_last,
                      const std::vector<std::string>& b);
// The same for two paths through contexts, which different handlers may view
// as different record types (`struct hdr *h = arg;` and `struct conn *c =
// arg;`): fields of different records may share bytes, so they overlap.
bool ContextSelectorsOverlap(const std::vector<std::string>& a,
                             const std::vector<std::string>& b);
// "stats.conns", "c->state", "table[]", "libc:strtok".
std::string RenderPath(const std::string& base_name,
                       const std::vector<std::string>& selectors);

Path PathFromProto(const prism::v1::MemoryPath& proto);
// Values of a pointer expression; empty for values that carry no pointer.
std::vector<Value> ValuesFromProto(const prism::v1::ArgumentValue& proto);

// Lvalues denoted by `variable + selectors` when the variable holds one of
// `values` (a parameter instantiated with the caller's argument). No
// dereference: the variable itself, a local. `truncated`: the selectors stand
// for everything below them (Path::truncated), and so do the results. A value
// held inside the variable (Value::within) counts where the selectors reach
// its place and go on through it. `bytes_only`: the lvalue holds no pointer,
// so selectors for anywhere in the object (pointer arithmetic) do not go on
// through the pointers held in it.
void PathsThrough(const std::vector<Value>& values,
                  const std::vector<std::string>& selectors,
                  std::vector<Path>* out, bool truncated = false,
                  bool bytes_only = false);
// Addresses of `variable + selectors` (PathsThrough), each with what the
// values say is held there, one dereference below (within "*", ...): a
// reference into a local aggregate a callee returns (`std::get<1>(t)`,
// `arr[0]` of a local std::array) carries the pointers stored there.
void AddressesThrough(const std::vector<Value>& values,
                      const std::vector<std::string>& selectors,
                      std::vector<Value>* out, bool truncated = false);
// Values held by `variable + selectors`, with their places when what is held
// there is an aggregate.
void ValuesThrough(const std::vector<Value>& values,
                   const std::vector<std::string>& selectors,
                   std::vector<Value>* out, bool truncated = false);

}  // namespace prism::analyzer

#endif  // PRISM_SERVICES_ANALYZER_ENGINE_EFFECTS_H_
