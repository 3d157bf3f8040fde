// Classification of a handler's effects into global and context accesses.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/analyzer/engine/analysis.h"

namespace prism::analyzer {

void Analysis::AddGlobal(HandlerAccesses* out, HandlerAccess access) {
  access.context = false;
  if (access.path.base == BaseKind::kUnknown) {
    access.unknown = true;
    access.group.clear();
    out->unknown.push_back(std::move(access));
  } else {
    access.group =
        absl::StrCat(static_cast<int>(access.path.base), "|", access.path.key);
    out->global_groups[access.group].push_back(std::move(access));
  }
}

// Whether some registration passes a pointer into the middle of an object
// (`&x->out`) as the handler's context.
bool Analysis::RegisteredWithSubObject(const HandlerInfo& handler) {
  for (const RegistrationFact& registration : handler.registrations) {
    for (const Value& value : registration.context_values) {
      if (value.kind == Value::Kind::kAddressOf &&
          !value.path.selectors.empty() &&
          IsSelectorField(value.path.selectors.back())) {
        return true;
      }
    }
  }
  return false;
}

// Whether `path` lies in the own storage of a global defined const
// (summary.proto Declaration.constant): after initialization nothing may
// write it, so neither a read nor a "may write" of unknown code there is
// shared. Only its own storage: its fields and array elements, not what a
// pointer in it leads to, and not a truncated path, which covers that too,
// unless the global holds no address (Declaration.holds_no_address): then
// everything reachable from it is its own storage.
bool Analysis::InConstantStorage(const Path& path) const {
  if (path.base != BaseKind::kGlobal) return false;
  auto it = program_.globals().find(path.key);
  if (it == program_.globals().end() || !it->second->constant()) return false;
  if (path.truncated && !it->second->holds_no_address()) return false;
  return InOwnStorage(path, *it->second);
}

// Whether the selectors of `path`, on the global `global`, stay in its own
// storage: its fields and array elements, not what a pointer in it leads to.
bool Analysis::InOwnStorage(const Path& path,
                            const prism::v1::Declaration& global) {
  size_t subscripts = global.array_rank();
  for (const std::string& selector : path.selectors) {
    if (IsSelectorField(selector)) {
      subscripts = 0;  // Below a field, "[]" may be a pointer's.
      continue;
    }
    if (selector != "[]" || subscripts == 0) return false;
    --subscripts;
  }
  return true;
}

HandlerAccesses Analysis::Classify(const HandlerInfo& handler) {
  HandlerAccesses out;
  // Keys of the shared effects already taken (the maps they point into stay
  // unchanged while a handler is classified); a handler in a large recursive
  // component reaches thousands of functions.
  absl::flat_hash_set<absl::string_view> seen_shared;
  std::function<void(const Effect&, std::vector<std::string>)> add =
      [&](const Effect& effect, std::vector<std::string> via) {
        HandlerAccess access;
        access.path = effect.path;
        access.write = effect.write;
        access.atomic = effect.atomic;
        access.designated_type = effect.designated_type;
        access.location = effect.location;
        if (access.location.line() == 0 && handler.proto.line() != 0) {
          // Every site has a file and a line (DESIGN.md invariant 4): an
          // access without a location of its own is placed at the handler.
          access.location.set_file(handler.proto.file());
          access.location.set_line(handler.proto.line());
          access.location.set_column(0);
        }
        access.via = std::move(via);
        if (InConstantStorage(effect.path))
          return;  // Never written: not shared.
        if (effect.path.IsShared()) {
          access.resource =
              effect.path.base == BaseKind::kUnknown
                  ? effect.path.name
                  : RenderPath(effect.path.name, effect.path.selectors);
          NoteThreadLocal(handler, access);
          AddGlobal(&out, std::move(access));
          return;
        }
        if (effect.path.base != BaseKind::kParameter) return;
        const std::string role = RoleOf(handler, effect.path.index);
        access.resource = RenderPath(effect.path.name, effect.path.selectors);
        bool escaped = false;
        if (auto it = escapes_.find(role); it != escapes_.end()) {
          for (const std::vector<std::string>& prefix : it->second) {
            // Below the escaped memory, or a path that stands for everything
            // below it (a list walked in a loop, a library call's "everything
            // reachable") reaching down into it.
            if (IsPrefix(prefix, effect.path.selectors) ||
                (effect.path.truncated &&
                 IsPrefix(effect.path.selectors, prefix))) {
              escaped = true;
            }
          }
        }
        if (escaped) {
          HandlerAccess global = access;
          global.path.base = BaseKind::kUnknown;
          global.resource = absl::StrCat("<escaped> ", access.resource);
          AddGlobal(&out, std::move(global));
        }
        if (role != "ctx" && role != "this" && !handler.registrations.empty()) {
          // A parameter other than the context (a bufferevent callback's
          // bev): its accesses are those of what the registration passed.
          const ParameterBinding& binding =
              BindingOf(handler, effect.path.index);
          // A descriptor released through the parameter (close(fd)):
          // `fd-><descriptor>` (link.cc), the number's origin.
          const bool released = effect.path.selectors.size() == 2 &&
                                effect.path.selectors[1] == "<descriptor>";
          if (binding.global || (released && binding.library_made)) {
            HandlerAccess global = access;
            global.path.base = BaseKind::kUnknown;
            global.resource =
                absl::StrCat("<handler parameter> ", access.resource);
            AddGlobal(&out, std::move(global));
          }
          for (const std::string& object : binding.own_objects) {
            // Only handlers handed the same object reach it, each time with
            // the context registered with it.
            HandlerAccess own = access;
            own.context = true;
            own.group = absl::StrCat("object ", object);
            out.context_groups[own.group].push_back(std::move(own));
          }
          std::vector<Path> paths;
          PathsThrough(binding.context_values, effect.path.selectors, &paths,
                       effect.path.truncated);
          std::set<std::string> seen;
          for (Path& path : paths) {
            if (released && !path.selectors.empty() &&
                path.selectors.back() == "<descriptor>") {
              path.selectors.pop_back();  // The lvalue itself (c->fd).
            }
            if (path.base == BaseKind::kParameter)
              path.name = ContextName(handler, path.index);
            if (!seen.insert(path.Key()).second) continue;
            Effect relative = effect;
            relative.path = std::move(path);
            add(relative, access.via);
          }
          return;
        }
        if (role == "ctx" && RegisteredWithSubObject(handler)) {
          // The runtime tells contexts apart by pointer: a handler registered
          // with &x->out and one registered with x reach the same memory
          // through different pointers, so they may run together. Accesses
          // through such a context are global ones.
          HandlerAccess global = access;
          global.path.base = BaseKind::kUnknown;
          global.resource =
              absl::StrCat("<sub-object context> ", access.resource);
          AddGlobal(&out, std::move(global));
        }
        if (role == "ctx") {
          // A context that is (or may be) global memory: its accesses are
          // global ones.
          std::vector<Value> shared;
          for (const RegistrationFact& registration : handler.registrations) {
            for (const Value& value : registration.context_values) {
              if (value.kind == Value::Kind::kUnknown ||
                  value.path.IsShared()) {
                shared.push_back(value);
              }
            }
          }
          std::vector<Path> paths;
          PathsThrough(shared, effect.path.selectors, &paths,
                       effect.path.truncated);
          std::set<std::string> seen;
          for (const Path& path : paths) {
            if (!seen.insert(path.Key()).second) continue;
            HandlerAccess global = access;
            global.path = path;
            global.resource =
                path.base == BaseKind::kUnknown
                    ? absl::StrCat("<unknown context> ", access.resource)
                    : RenderPath(path.name, path.selectors);
            AddGlobal(&out, std::move(global));
          }
        }
        access.context = true;
        access.group = role;
        out.context_groups[role].push_back(std::move(access));
      };
  for (const std::string& usr : handler.usrs) {
    const FunctionNode* node = program_.FindFunction(usr);
    if (node != nullptr && !node->bodies.empty()) {
      for (const auto& [key, effect] : program_.SolvedFor(usr).effects) {
        add(effect, ViaToVector(effect.via));
      }
      CollectHandedOver(usr, add, &out);
      // Shared effects arise where they happen; collect them from every
      // function the handler reaches, nearest first (shortest call chain).
      for (const auto& [function, chain] : program_.Reachable(usr)) {
        for (const auto& [key, effect] :
             program_.SolvedFor(function->usr).shared) {
          if (!seen_shared.insert(key).second) continue;
          std::vector<std::string> via = chain;
          std::vector<std::string> tail = ViaToVector(effect.via);
          if (!tail.empty())
            via.insert(via.end(), tail.begin() + 1, tail.end());
          add(effect, std::move(via));
        }
      }
      continue;
    }
    // A handler without a body: the conservative default for unknown code.
    const ViaPtr via =
        std::make_shared<const Via>(Via{handler.proto.name(), nullptr});
    SourceLocation location;
    if (node != nullptr) location = node->location;
    Effect unknown;
    unknown.path.base = BaseKind::kUnknown;
    unknown.path.name = "<unknown>";
    unknown.write = true;
    unknown.location = location;
    unknown.via = via;
    add(unknown, ViaToVector(unknown.via));
    for (int parameter : handler.context_parameters) {
      Effect context = unknown;
      context.path.base = BaseKind::kParameter;
      context.path.index = parameter;
      context.path.name = "arg";
      context.path.selectors = {"*"};
      add(context, ViaToVector(context.via));
    }
  }
  auto order = [](const HandlerAccess& a, const HandlerAccess& b) {
    return std::make_tuple(a.resource, !a.write, a.location.file(),
                           a.location.line(), a.location.column()) <
           std::make_tuple(b.resource, !b.write, b.location.file(),
                           b.location.line(), b.location.column());
  };
  for (auto& [group, list] : out.global_groups)
    std::sort(list.begin(), list.end(), order);
  for (auto& [group, list] : out.context_groups)
    std::sort(list.begin(), list.end(), order);
  std::sort(out.unknown.begin(), out.unknown.end(), order);
  for (const auto& [group, list] : out.global_groups) {
    for (const HandlerAccess& access : list) out.all_global.push_back(&access);
  }
  for (const HandlerAccess& access : out.unknown)
    out.all_global.push_back(&access);
  out.plan_global_groups = DistinctForPlan(out.global_groups);
  return out;
}

}  // namespace prism::analyzer
