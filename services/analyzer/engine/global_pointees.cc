// What a pointer held in a global may point to, from every pointer store of
// the program (README.md, "Global pointers"): where all of them are known, an
// access through the pointer reaches only what was stored.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/analyzer/common/enclosing.h"
#include "services/analyzer/engine/link.h"

namespace prism::analyzer {
namespace {

// One thing a stored pointer may point to, for comparing pointees: a program
// global by USR, a library's hidden state by name, memory that is no global
// (allocated, a local), or a function. Nullopt: could be anything.
std::optional<std::string> PointeeOf(const Value& value) {
  if (!value.within.empty()) return std::nullopt;
  if (value.kind == Value::Kind::kFunction) return std::string("#function");
  if (value.kind != Value::Kind::kAddressOf) return std::nullopt;
  const Path& path = value.path;
  for (const std::string& selector : path.selectors) {
    if (selector == "*") return std::nullopt;  // Where another pointer leads.
  }
  switch (path.base) {
    case BaseKind::kGlobal:
      return "G:" + path.key;
    case BaseKind::kHiddenState:
      return "H:" + path.key;
    case BaseKind::kFresh:
    case BaseKind::kEscapedLocal:
      // Allocation sites are renamed as values move between functions, so
      // all such memory counts as one: never a global, maybe the same
      // object as another pointer's.
      return std::string("#not-global");
    default:
      return std::nullopt;
  }
}

// The selectors before an access's only dereference, when everything after it
// stays in the object pointed to: nullopt otherwise (a second pointer, a path
// cut short, arithmetic). "[]" is an array's element in storage: a subscript
// through a pointer is a dereference ("*", front-end version 12).
std::optional<std::vector<std::string>> PointerPlace(const Path& path) {
  if (path.base != BaseKind::kGlobal || path.truncated ||
      path.absorbed_dereference) {
    return std::nullopt;
  }
  std::vector<std::string> place;
  bool dereferenced = false;
  for (const std::string& selector : path.selectors) {
    if (selector == "*") {
      if (dereferenced) return std::nullopt;
      dereferenced = true;
      continue;
    }
    if (selector == enclosing::kEnclosingObject) return std::nullopt;
    if (!dereferenced) place.push_back(selector);
  }
  if (!dereferenced) return std::nullopt;
  return place;
}

}  // namespace

void LinkedProgram::CollectGlobalPointees() {
  global_pointer_stores_.clear();
  for (const auto& [usr, node] : functions_) {
    for (const prism::v1::Function* body : node.bodies) {
      for (const prism::v1::PointerStore& store : body->stores()) {
        const Path target = PathFromProto(store.target());
        if (target.base != BaseKind::kGlobal) continue;
        if (std::find(target.selectors.begin(), target.selectors.end(), "*") !=
            target.selectors.end()) {
          continue;  // Into what a pointer leads to, not the global itself.
        }
        GlobalPointerStore entry;
        entry.place = target.selectors;
        entry.unknown = target.truncated;
        for (const Value& value : ResolveValues(node, *body, store.value())) {
          std::optional<std::string> pointee = PointeeOf(value);
          if (!pointee.has_value()) {
            entry.unknown = true;
            break;
          }
          entry.pointees.insert(*pointee);
        }
        global_pointer_stores_[target.key].push_back(std::move(entry));
      }
      // Writes of a whole record or array the pointer is in (`g_s = t;`)
      // copy pointers no store names.
      for (const prism::v1::Access& access : body->accesses()) {
        if (access.kind() != prism::v1::ACCESS_KIND_WRITE) continue;
        const Path path = PathFromProto(access.path());
        if (path.base != BaseKind::kGlobal) continue;
        if (std::find(path.selectors.begin(), path.selectors.end(), "*") !=
            path.selectors.end()) {
          continue;
        }
        GlobalPointerStore entry;
        entry.place = path.selectors;
        entry.whole_write = true;
        entry.unknown = path.truncated;
        global_pointer_stores_[path.key].push_back(std::move(entry));
      }
    }
  }
}

std::optional<std::set<std::string>> LinkedProgram::KnownPointees(
    const Path& through) const {
  if (!complete_ || through.base != BaseKind::kGlobal ||
      !pointee_globals_.count(through.key)) {
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> place = PointerPlace(through);
  if (!place.has_value()) return std::nullopt;
  std::set<std::string> pointees;
  auto stores = global_pointer_stores_.find(through.key);
  if (stores == global_pointer_stores_.end()) return pointees;  // Only nulls.
  for (const GlobalPointerStore& store : stores->second) {
    if (!SelectorsOverlap(store.place, *place)) continue;
    if (store.unknown) return std::nullopt;
    if (store.whole_write) {
      // A write of the pointer itself with no pointer store: a null pointer
      // or a number. One of a record or array around it: anything.
      if (store.place.size() < place->size()) return std::nullopt;
      continue;
    }
    // A pointer stored around the place (a record assigned whole): its
    // pointees are somewhere in it.
    pointees.insert(store.pointees.begin(), store.pointees.end());
  }
  return pointees;
}

}  // namespace prism::analyzer
