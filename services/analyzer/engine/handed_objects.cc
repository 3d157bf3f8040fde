// Objects a handler hands to registrations (README.md, "Objects handed to
// registrations"): what it does to them afterwards races with the handlers
// registered with them, which may already run on worker threads. The link
// step (hand_over.h) finds those accesses; here they become global conflicts
// with the registered handlers' accesses of the same object.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/analyzer/engine/analysis.h"
#include "services/analyzer/engine/hand_over.h"

namespace prism::analyzer {

void Analysis::CollectHandedOver(
    const std::string& usr,
    const std::function<void(const Effect&, std::vector<std::string>)>& add,
    HandlerAccesses* out) {
  for (const auto& [key, handed] : program_.SolvedFor(usr).after_handover) {
    const Effect& effect = handed.effect;
    if (effect.path.base != BaseKind::kFresh) {
      // Through a parameter (its context handed to another registration):
      // the usual context or parameter access.
      add(effect, ViaToVector(effect.via));
      continue;
    }
    HandedAccess one;
    HandlerAccess& access = one.access;
    access.path = effect.path;
    access.write = effect.write;
    access.atomic = effect.atomic;
    access.location = effect.location;
    access.via = ViaToVector(effect.via);
    access.group = FreshId(effect.path);
    access.resource = absl::StrCat(
        "<handed over> ", RenderPath(effect.path.name, effect.path.selectors));
    one.root = handed.root;
    one.callback = handed.callback;
    one.parameter = handed.parameter;
    out->handed_over.push_back(std::move(one));
  }
}

void Analysis::MatchHandedOver(
    const HandlerAccesses& a_accesses, const HandlerInfo& b,
    const HandlerAccesses& b_accesses, bool a_first,
    std::map<ConflictKey, prism::v1::Conflict>* conflicts) {
  if (a_accesses.handed_over.empty()) return;
  std::vector<const HandlerAccess*> b_context;
  for (const auto& [role, list] : b_accesses.context_groups) {
    if (role != "ctx") continue;
    for (const HandlerAccess& access : list) b_context.push_back(&access);
  }
  for (const HandedAccess& handed : a_accesses.handed_over) {
    if (Saturated(prism::v1::CONFLICT_KIND_GLOBAL)) return;
    const HandlerAccess& mine = handed.access;
    // Named after the handed object, as the registering handler sees it.
    auto record = [&](const HandlerAccess& theirs) {
      if (!mine.write && !theirs.write) return;
      if (a_first) {
        Record(mine, theirs, prism::v1::CONFLICT_KIND_GLOBAL, conflicts,
               &mine.resource);
      } else {
        Record(theirs, mine, prism::v1::CONFLICT_KIND_GLOBAL, conflicts,
               &mine.resource);
      }
    };
    // Unknown memory may be the object, whichever handler it was handed to.
    for (const HandlerAccess& theirs : b_accesses.unknown) record(theirs);
    if (handed.callback.kind == Value::Kind::kFunction &&
        !b.usrs.count(handed.callback.function_usr)) {
      continue;  // Handed to another handler.
    }
    std::vector<std::string> rest;
    bool truncated = false;
    if (!InHandedObject(mine.path, handed.root, &rest, &truncated)) {
      rest.clear();  // Somewhere in the object: anywhere in it.
    }
    std::vector<std::string> relative = {"*"};
    relative.insert(relative.end(), rest.begin(), rest.end());
    const bool any_parameter = handed.parameter < 0;
    if (any_parameter || b.context_parameters.count(handed.parameter)) {
      // b's context: b reaches the object as *arg.
      for (const HandlerAccess* theirs : b_context) {
        if (ContextSelectorsOverlap(relative, theirs->path.selectors))
          record(*theirs);
      }
      if (!any_parameter) continue;
    }
    // Passed to b's callback parameter: an object only the registered
    // callbacks reach is its own group; otherwise reached from b's context
    // (any access of it may be the object) or global (then among b's unknown
    // accesses above).
    if (!any_parameter && handed.root.path.base == BaseKind::kFresh) {
      const ParameterBinding& binding = BindingOf(b, handed.parameter);
      const std::string object = FreshId(handed.root.path);
      if (binding.own_objects.count(object)) {
        auto own = b_accesses.context_groups.find("object " + object);
        if (own == b_accesses.context_groups.end()) continue;
        for (const HandlerAccess& theirs : own->second) {
          if (SelectorsOverlap(relative, theirs.path.selectors)) record(theirs);
        }
        continue;
      }
    }
    for (const HandlerAccess* theirs : b_context) record(*theirs);
  }
}

}  // namespace prism::analyzer
