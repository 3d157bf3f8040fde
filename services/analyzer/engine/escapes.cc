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

namespace {

// What a pointer value points to, as selectors below its base: a value loaded
// from X points into *X, the address of X into X. A truncated path stands for
// everything below it, so its pointee is the path itself.
std::vector<std::string> Pointee(const Value& value) {
  std::vector<std::string> selectors = value.path.selectors;
  if (value.kind == Value::Kind::kLoadedFrom && !value.path.truncated)
    selectors.push_back("*");
  return selectors;
}

bool PointsIntoMemory(const Value& value) {
  return value.kind == Value::Kind::kAddressOf ||
         value.kind == Value::Kind::kLoadedFrom;
}

}  // namespace

bool Analysis::Reaches(const Value& stored, const Value& context) {
  if (!PointsIntoMemory(stored) || !PointsIntoMemory(context)) return false;
  const Path& a = stored.path;
  const Path& b = context.path;
  if (a.base != b.base || a.index != b.index) return false;
  if (a.base == BaseKind::kFresh ? FreshId(a) != FreshId(b) : a.key != b.key)
    return false;
  const std::vector<std::string> from = Pointee(stored);
  const std::vector<std::string> to = Pointee(context);
  return IsPrefix(from, to) || (context.path.truncated && IsPrefix(to, from));
}

const std::vector<Value>& Analysis::ExposedBy(const std::string& usr) {
  auto [it, inserted] = exposed_.try_emplace(usr);
  if (!inserted) return it->second;
  const auto& stores = program_.SolvedFor(usr).stores;
  const std::set<std::string> published = PublishedFresh(stores);
  for (const auto& [key, store] : stores) {
    const bool target_shared =
        store.target.IsShared() || (store.target.base == BaseKind::kFresh &&
                                    published.count(FreshId(store.target)));
    if (target_shared && PointsIntoMemory(store.value)) {
      it->second.push_back(store.value);
    }
  }
  return it->second;
}

bool Analysis::ContextExposed(const std::string& usr, const Value& context) {
  if (context.path.base != BaseKind::kFresh) {
    for (const Value& stored : ExposedBy(usr)) {
      if (Reaches(stored, context)) return true;
    }
    return false;
  }
  // An allocation site keeps its name in every function its object reaches
  // (returned to callers, passed to callees), so any function's store of it
  // may publish it: g_conns[n] = conn_new(fd).
  if (!exposed_fresh_built_) {
    exposed_fresh_built_ = true;
    for (const auto& [function_usr, node] : program_.functions()) {
      for (const Value& stored : ExposedBy(function_usr)) {
        if (stored.path.base == BaseKind::kFresh)
          exposed_fresh_[FreshId(stored.path)].push_back(stored);
      }
    }
  }
  auto it = exposed_fresh_.find(FreshId(context.path));
  if (it == exposed_fresh_.end()) return false;
  for (const Value& stored : it->second) {
    if (Reaches(stored, context)) return true;
  }
  return false;
}

const std::vector<Analysis::CallSite>& Analysis::CallersOf(
    const std::string& usr) {
  if (!callers_built_) {
    callers_built_ = true;
    for (const auto& [caller_usr, node] : program_.functions()) {
      for (const prism::v1::Function* body : node.bodies) {
        for (int c = 0; c < body->calls_size(); ++c) {
          for (const CallTarget& target : program_.TargetsOf(body->calls(c))) {
            if (target.function == nullptr) continue;
            callers_[target.function->usr].push_back(
                CallSite{&node, body, c, target.called_back});
          }
        }
      }
    }
  }
  static const std::vector<CallSite>* const kNone = new std::vector<CallSite>();
  auto it = callers_.find(usr);
  return it == callers_.end() ? *kNone : it->second;
}

const CallArguments& Analysis::ArgumentsAt(const CallSite& site) {
  auto [it, inserted] = call_arguments_.try_emplace(site.body);
  if (inserted)
    it->second = program_.ResolveCallArguments(*site.caller, *site.body);
  static const CallArguments* const kNone = new CallArguments();
  return static_cast<size_t>(site.call) < it->second.size()
             ? it->second[site.call]
             : *kNone;
}

bool Analysis::ContextEscapesAtOrigin(const RegistrationFact& registration) {
  // (function, value): the context as some function sees it, followed from
  // the registering function to every function it may come from. No bound:
  // the pairs are finite, and stopping early could miss an escape.
  std::vector<std::pair<std::string, Value>> work;
  std::set<std::string> seen;
  auto follow = [&](const std::string& usr, const Value& value) {
    if (seen.insert(absl::StrCat(usr, "\x1e", value.Key())).second)
      work.push_back({usr, value});
  };
  for (const Value& value : registration.context_values)
    follow(registration.registering_usr, value);
  const size_t registered = work.size();
  for (size_t next = 0; next < work.size(); ++next) {
    const auto [usr, value] = work[next];
    // What the registration itself was given, when shared or unknown, makes
    // the handler's context accesses global already (classify.cc); a
    // caller's such value is the context being reachable from shared memory.
    if (next >= registered &&
        (value.kind == Value::Kind::kUnknown ||
         (PointsIntoMemory(value) && value.path.IsShared())))
      return true;
    if (!PointsIntoMemory(value)) continue;
    if (ContextExposed(usr, value)) return true;
    if (value.path.base != BaseKind::kParameter) continue;
    // Callers, direct or indirect (every call whose targets include it).
    for (const CallSite& site : CallersOf(usr)) {
      // Library code calling it back passes arguments of its own.
      if (site.called_back) return true;
      const CallArguments& arguments = ArgumentsAt(site);
      for (const Value& outer : LinkedProgram::InstantiateValue(
               value, arguments.arguments, arguments.this_argument)) {
        follow(site.caller->usr, outer);
      }
    }
    // (A handler's own parameters come from its registrations, which are
    // searched themselves: escapes apply to every handler's context.)
  }
  return false;
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
      const auto ctx = escapes_.find("ctx");
      const bool all_escaped = ctx != escapes_.end() &&
                               ctx->second.count(std::vector<std::string>{"*"});
      if (!all_escaped && ContextEscapesAtOrigin(registration))
        AddEscape("ctx", {"*"});
      const auto& stores =
          program_.SolvedFor(registration.registering_usr).stores;
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
