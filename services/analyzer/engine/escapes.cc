// Escapes (README.md, "Escapes"): which context memory may also be reached
// from global memory, so that accesses through it are global.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/analyzer/engine/analysis.h"

namespace prism::analyzer {

void Analysis::AddEscape(const std::string& role,
                         std::vector<std::string> prefix) {
  if (prefix.size() > kMaxSelectors) prefix.resize(kMaxSelectors);
  escapes_[role].insert(std::move(prefix));
}

// One fresh object: the front-end's own (allocation sites and locals of
// one function) carry no key but a name per site; the link step's have a
// key per call.
std::string Analysis::FreshId(const Path& path) {
  return path.key.empty() ? absl::StrCat("name:", path.name) : path.key;
}

// Fresh objects of one function's stores that other code may reach: their
// address is stored into shared memory or into another published object,
// to any depth. (Stored through a parameter it is reachable from the
// caller's memory: the caller's instantiated stores see that.)
std::set<std::string> Analysis::PublishedFresh(
    const std::map<std::string, Store>& stores) {
  std::set<std::string> published;
  bool changed = true;
  while (changed) {
    changed = false;
    for (const auto& [key, store] : stores) {
      const Value& value = store.value;
      if (value.kind == Value::Kind::kUnknown ||
          value.path.base != BaseKind::kFresh ||
          published.count(FreshId(value.path))) {
        continue;
      }
      const Path& target = store.target;
      if (target.IsShared() || (target.base == BaseKind::kFresh &&
                                published.count(FreshId(target)))) {
        published.insert(FreshId(value.path));
        changed = true;
      }
    }
  }
  return published;
}

// A context that is the registering function's parameter (setup(c)
// registers c) comes from its callers: the context stored into global
// memory there (main: publish(x); setup(x)) escapes too. Up to a few
// levels of callers.
void Analysis::EscapesInCallers(const std::string& registering_usr,
                                const std::vector<Value>& context_values,
                                int depth) {
  if (depth >= 4) return;
  std::set<int> parameters;
  for (const Value& value : context_values) {
    if (value.kind == Value::Kind::kLoadedFrom &&
        value.path.base == BaseKind::kParameter &&
        value.path.selectors.empty() && value.path.index >= 0) {
      parameters.insert(value.path.index);
    }
  }
  if (parameters.empty()) return;
  for (const auto& [usr, node] : program_.functions()) {
    for (const prism::v1::Function* body : node.bodies) {
      std::vector<Value> outer;
      bool calls = false;
      bool any = false;
      for (const prism::v1::Call& call : body->calls())
        any = any || call.callee_usr() == registering_usr;
      if (!any) continue;
      const std::vector<CallArguments> resolved =
          program_.ResolveCallArguments(node, *body);
      for (int c = 0; c < body->calls_size(); ++c) {
        if (body->calls(c).callee_usr() != registering_usr) continue;
        calls = true;
        if (static_cast<size_t>(c) >= resolved.size()) continue;
        for (int index : parameters) {
          if (static_cast<size_t>(index) < resolved[c].arguments.size()) {
            const std::vector<Value>& values = resolved[c].arguments[index];
            outer.insert(outer.end(), values.begin(), values.end());
          }
        }
      }
      if (!calls) continue;
      std::set<std::string> keys;
      for (const Value& value : outer) keys.insert(value.Key());
      for (const auto& [key, store] : program_.SolvedFor(usr).stores) {
        if (store.target.IsShared() && keys.count(store.value.Key()))
          AddEscape("ctx", {"*"});
      }
      EscapesInCallers(usr, outer, depth + 1);
    }
  }
}

void Analysis::FindEscapes() {
  // Every fresh object that is some handler's registered context.
  std::set<std::string>& context_objects = context_objects_;
  for (const auto& [identity, handler] : handlers_) {
    for (const RegistrationFact& registration : handler.registrations) {
      for (const Value& value : registration.context_values) {
        if (value.kind != Value::Kind::kUnknown &&
            value.path.base == BaseKind::kFresh) {
          context_objects.insert(FreshId(value.path));
        }
      }
    }
  }
  for (const auto& [identity, handler] : handlers_) {
    for (const std::string& usr : handler.usrs) {
      const auto& stores = program_.SolvedFor(usr).stores;
      const std::set<std::string> published = PublishedFresh(stores);
      for (const auto& [key, store] : stores) {
        const Value& value = store.value;
        const bool target_shared =
            store.target.IsShared() || (store.target.base == BaseKind::kFresh &&
                                        published.count(FreshId(store.target)));
        if (target_shared && value.kind != Value::Kind::kUnknown &&
            value.path.base == BaseKind::kParameter) {
          std::vector<std::string> prefix = value.path.selectors;
          if (value.kind == Value::Kind::kLoadedFrom) prefix.push_back("*");
          AddEscape(RoleOf(handler, value.path.index), std::move(prefix));
        }
        if (store.target.base == BaseKind::kParameter &&
            (value.kind == Value::Kind::kUnknown || value.path.IsShared())) {
          std::vector<std::string> prefix = store.target.selectors;
          prefix.push_back("*");
          AddEscape(RoleOf(handler, store.target.index), std::move(prefix));
        }
      }
    }
    // At registration sites: the context stored into global memory, or
    // pointers stored into the context before it is registered. Only memory
    // freshly allocated for this context alone (stored once, into nothing
    // else, and no handler's context itself) stays the context's own: any
    // other pointer in a context field (a global, another context, an
    // object two contexts share, a caller's pointer) makes accesses through
    // that field global.
    for (const RegistrationFact& registration : handler.registrations) {
      std::set<std::string> context_keys;
      for (const Value& value : registration.context_values)
        context_keys.insert(value.Key());
      EscapesInCallers(registration.registering_usr,
                       registration.context_values, 0);
      const auto& stores =
          program_.SolvedFor(registration.registering_usr).stores;
      const std::set<std::string> published = PublishedFresh(stores);
      std::map<std::string, int> times_stored;
      for (const auto& [key, store] : stores) {
        // (Stores into locals do not count: a local is not shared.)
        const bool into_local = store.target.base == BaseKind::kFresh &&
                                absl::StartsWith(store.target.key, "site:") &&
                                !absl::StartsWith(store.target.name, "<");
        if (!into_local && store.value.kind == Value::Kind::kAddressOf &&
            store.value.path.base == BaseKind::kFresh) {
          ++times_stored[FreshId(store.value.path)];
        }
      }
      for (const auto& [key, store] : stores) {
        const bool target_shared =
            store.target.IsShared() || (store.target.base == BaseKind::kFresh &&
                                        published.count(FreshId(store.target)));
        if (target_shared && context_keys.count(store.value.Key())) {
          AddEscape("ctx", {"*"});
        }
        const Value& value = store.value;
        const bool owned = value.kind == Value::Kind::kAddressOf &&
                           value.path.base == BaseKind::kFresh &&
                           value.path.selectors.empty() &&
                           !context_objects.count(FreshId(value.path)) &&
                           times_stored[FreshId(value.path)] == 1;
        if (owned) continue;
        for (const Value& context : registration.context_values) {
          if (context.kind != Value::Kind::kAddressOf) continue;
          Path base = context.path;
          const std::vector<std::string>& target = store.target.selectors;
          if (base.base != store.target.base || base.key != store.target.key ||
              (base.base == BaseKind::kFresh &&
               FreshId(base) != FreshId(store.target)) ||
              base.index != store.target.index ||
              !IsPrefix(base.selectors, target)) {
            continue;
          }
          std::vector<std::string> prefix = {"*"};
          prefix.insert(prefix.end(), target.begin() + base.selectors.size(),
                        target.end());
          prefix.push_back("*");
          AddEscape("ctx", std::move(prefix));
        }
      }
    }
  }
  // A handler parameter that stands for memory reached from the context
  // (c->bev): what escapes through the parameter escapes through the
  // context too, since other handlers reach it that way.
  for (const auto& [identity, handler] : handlers_) {
    std::set<int> parameters;
    for (const RegistrationFact& registration : handler.registrations) {
      for (const auto& [parameter, values] : registration.passed)
        parameters.insert(parameter);
    }
    for (int parameter : parameters) {
      const std::string role = RoleOf(handler, parameter);
      auto it = escapes_.find(role);
      if (role == "ctx" || it == escapes_.end()) continue;
      const ParameterBinding& binding = BindingOf(handler, parameter);
      const std::set<std::vector<std::string>> prefixes = it->second;
      for (const std::vector<std::string>& prefix : prefixes) {
        std::vector<Path> paths;
        PathsThrough(binding.context_values, prefix, &paths);
        for (const Path& path : paths) AddEscape("ctx", path.selectors);
      }
    }
  }
}

}  // namespace prism::analyzer
