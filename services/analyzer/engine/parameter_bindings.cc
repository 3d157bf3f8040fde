// Handler parameters other than the context (README.md, "Handler
// parameters"): what each registration passes, in the context's terms.
#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
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

// The context's own memory at a registration: what a context value points
// to. Nothing when unknown.
bool Analysis::ContextObject(const Value& context, Path* out) {
  if (context.kind != Value::Kind::kAddressOf &&
      context.kind != Value::Kind::kLoadedFrom) {
    return false;
  }
  if (context.path.truncated || !context.within.empty()) return false;
  *out = context.path;
  if (context.kind == Value::Kind::kLoadedFrom) out->selectors.push_back("*");
  return true;
}

// Whether `path` lies in `object` (same base, `object`'s selectors a prefix
// of its own, selector by selector); the rest of its selectors in `rest`.
bool Analysis::Within(const Path& path, const Path& object,
                      std::vector<std::string>* rest) {
  if (path.base != object.base || path.key != object.key ||
      path.index != object.index ||
      (path.base == BaseKind::kFresh && FreshId(path) != FreshId(object)) ||
      path.selectors.size() < object.selectors.size() ||
      !std::equal(object.selectors.begin(), object.selectors.end(),
                  path.selectors.begin())) {
    return false;
  }
  rest->assign(path.selectors.begin() + object.selectors.size(),
               path.selectors.end());
  return true;
}

// Context-relative place: the context parameter, dereferenced, then `rest`.
Path Analysis::ContextPath(const RegistrationFact& registration,
                           const std::vector<std::string>& rest,
                           bool truncated) {
  Path path;
  path.base = BaseKind::kParameter;
  path.index = registration.context_parameter;
  path.name = "arg";
  path.selectors = {"*"};
  path.selectors.insert(path.selectors.end(), rest.begin(), rest.end());
  path.truncated = truncated;
  return path;
}

// One value a registration passes to the parameter, in the context's terms;
// false when that cannot be shown.
bool Analysis::BindValue(const RegistrationFact& registration,
                         const Value& value, ParameterBinding* binding) {
  std::vector<Value>* out = &binding->context_values;
  if (value.kind == Value::Kind::kFunction) return true;
  if (value.kind == Value::Kind::kUnknown) return false;
  // Reached from the context: bufferevent_setcb(c->bev, ..., c).
  bool bound = false;
  for (const Value& context : registration.context_values) {
    Path object;
    std::vector<std::string> rest;
    if (!ContextObject(context, &object) ||
        !Within(value.path, object, &rest)) {
      continue;
    }
    Value relative;
    relative.kind = value.kind;
    relative.path = ContextPath(registration, rest, value.path.truncated);
    out->push_back(std::move(relative));
    bound = true;
  }
  if (bound) return true;
  // An object the registering function allocated (or the registration
  // returned): it is the context's own if it is stored only into the
  // context's fields, and a per-registration object of its own if it is
  // stored nowhere; anything else (stored into other memory, returned to a
  // caller, another handler's context) may be shared.
  if (value.kind != Value::Kind::kAddressOf ||
      value.path.base != BaseKind::kFresh || !value.path.selectors.empty() ||
      context_objects_.count(FreshId(value.path))) {
    return false;
  }
  const Solved& solved = program_.SolvedFor(registration.registering_usr);
  for (const auto& [key, returned] : solved.returns) {
    if (returned.kind != Value::Kind::kUnknown &&
        returned.path.base == BaseKind::kFresh &&
        FreshId(returned.path) == FreshId(value.path)) {
      return false;
    }
  }
  std::vector<Value> fields;
  for (const auto& [key, store] : solved.stores) {
    if (store.value.kind == Value::Kind::kUnknown ||
        store.value.path.base != BaseKind::kFresh ||
        FreshId(store.value.path) != FreshId(value.path)) {
      continue;
    }
    if (store.value.kind != Value::Kind::kAddressOf ||
        !store.value.path.selectors.empty()) {
      return false;  // Its inside stored somewhere.
    }
    if (store.target.base == BaseKind::kFresh &&
        absl::StartsWith(store.target.key, "site:") &&
        !absl::StartsWith(store.target.name, "<")) {
      continue;  // Into a local.
    }
    bool field = false;
    for (const Value& context : registration.context_values) {
      Path object;
      std::vector<std::string> rest;
      if (!ContextObject(context, &object) ||
          !Within(store.target, object, &rest) || rest.empty() ||
          HasDereference(rest)) {
        continue;
      }
      Value held;
      held.kind = Value::Kind::kLoadedFrom;
      held.path = ContextPath(registration, rest, store.target.truncated);
      fields.push_back(std::move(held));
      field = true;
    }
    if (!field) return false;
  }
  if (fields.empty()) {
    // Stored nowhere: only the callbacks registered with it reach it, on
    // the context registered with it — if every registration handing it
    // over registers the same context (evbuffer_add_cb(buf, cb, c1) and
    // (buf, cb, c2) would run cb on one buffer under two contexts).
    std::set<std::string> contexts;
    for (const Value& context : registration.context_values)
      contexts.insert(context.Key());
    for (const auto& [identity, other] : handlers_) {
      for (const RegistrationFact& fact : other.registrations) {
        bool hands = false;
        for (const auto& [parameter, values] : fact.passed) {
          for (const Value& passed : values) {
            hands = hands || (passed.kind == Value::Kind::kAddressOf &&
                              passed.within.empty() &&
                              passed.path.base == BaseKind::kFresh &&
                              FreshId(passed.path) == FreshId(value.path));
          }
        }
        if (!hands) continue;
        std::set<std::string> keys;
        for (const Value& context : fact.context_values)
          keys.insert(context.Key());
        if (keys != contexts) return false;
      }
    }
    binding->own_objects.insert(FreshId(value.path));
  }
  out->insert(out->end(), fields.begin(), fields.end());
  return true;
}

// How reports name the handler's parameter `index` (its context).
std::string Analysis::ContextName(const HandlerInfo& handler, int index) const {
  for (const std::string& usr : handler.usrs) {
    for (const auto& [key, effect] : program_.SolvedFor(usr).effects) {
      if (effect.path.base == BaseKind::kParameter &&
          effect.path.index == index && !effect.path.name.empty()) {
        return effect.path.name;
      }
    }
  }
  return "arg";
}

const ParameterBinding& Analysis::BindingOf(const HandlerInfo& handler,
                                            int parameter) {
  const auto key = std::make_pair(&handler, parameter);
  {
    // Handlers are classified on several threads; a binding is computed
    // from what no thread changes, so two threads computing one agree.
    std::lock_guard<std::mutex> lock(classify_mu_);
    if (auto it = bindings_.find(key); it != bindings_.end()) return it->second;
  }
  ParameterBinding binding;
  for (const RegistrationFact& registration : handler.registrations) {
    auto it = registration.passed.find(parameter);
    if (it == registration.passed.end()) {
      // The table says nothing: an object the library made for this
      // invocation (evhttp's request). It stays the invocation's own unless
      // the handler keeps it: in its context's own fields, a whole-context
      // access covers any handler reaching it from the same context;
      // anywhere else, it may be shared.
      binding.library_made = true;
      bool kept_elsewhere = false, kept_in_context = false;
      // Registered as some handler's context by this handler: another
      // handler runs on it.
      for (const auto& [identity, other] : handlers_) {
        for (const RegistrationFact& fact : other.registrations) {
          if (!handler.usrs.count(fact.registering_usr)) continue;
          for (const Value& context : fact.context_values) {
            if (context.kind != Value::Kind::kUnknown &&
                context.path.base == BaseKind::kParameter &&
                context.path.index == parameter) {
              kept_elsewhere = true;
            }
          }
        }
      }
      for (const std::string& usr : handler.usrs) {
        for (const auto& [key, store] : program_.SolvedFor(usr).stores) {
          const Value& value = store.value;
          if (value.kind == Value::Kind::kUnknown ||
              value.path.base != BaseKind::kParameter ||
              value.path.index != parameter) {
            continue;
          }
          const Path& target = store.target;
          const bool into_local = target.base == BaseKind::kFresh &&
                                  absl::StartsWith(target.key, "site:") &&
                                  !absl::StartsWith(target.name, "<");
          const bool into_own_context =
              target.base == BaseKind::kParameter &&
              target.index == registration.context_parameter &&
              !target.selectors.empty() && target.selectors[0] == "*" &&
              !HasDereference(std::vector<std::string>(
                  target.selectors.begin() + 1, target.selectors.end()));
          if (into_own_context) kept_in_context = true;
          if (!into_local && !into_own_context) kept_elsewhere = true;
        }
      }
      if (kept_elsewhere) {
        binding.global = true;
      } else if (kept_in_context) {
        Value whole;
        whole.kind = Value::Kind::kAddressOf;
        whole.path = ContextPath(registration, {}, /*truncated=*/true);
        binding.context_values.push_back(std::move(whole));
      }
      continue;
    }
    // Read from memory the context reaches (bufferevent_setcb(c->bev, ...,
    // c)): the parameter is what that context field holds, whatever the
    // value sources say it may hold.
    if (auto lvalues = registration.passed_lvalues.find(parameter);
        lvalues != registration.passed_lvalues.end()) {
      // A descriptor number: releasing the parameter writes where the
      // number was read from (c->fd, or a global), as the address of it.
      const bool number = lvalues->second.number;
      std::vector<Value> held;
      bool all = true;
      for (const Path& lvalue : lvalues->second.paths) {
        bool within = false;
        for (const Value& context : registration.context_values) {
          Path object;
          std::vector<std::string> rest;
          if (lvalue.truncated || !ContextObject(context, &object) ||
              !Within(lvalue, object, &rest)) {
            continue;
          }
          Value value;
          value.kind =
              number ? Value::Kind::kAddressOf : Value::Kind::kLoadedFrom;
          value.path = ContextPath(registration, rest, false);
          held.push_back(std::move(value));
          within = true;
        }
        if (!within && number && lvalue.IsShared()) {
          Value value;
          value.kind = Value::Kind::kAddressOf;
          value.path = lvalue;
          held.push_back(std::move(value));
          within = true;
        }
        all = all && within;
      }
      if (all && !held.empty()) {
        binding.context_values.insert(binding.context_values.end(),
                                      held.begin(), held.end());
        continue;
      }
    }
    // The argument itself, not pointers held inside what it points to
    // (Value::within): those are reached through the parameter's paths.
    bool any = false;
    for (const Value& value : it->second) {
      if (!value.within.empty()) continue;
      any = true;
      if (!BindValue(registration, value, &binding)) {
        binding.global = true;
      }
    }
    if (!any) binding.global = true;
  }
  if (handler.registrations.empty()) binding.global = true;
  std::lock_guard<std::mutex> lock(classify_mu_);
  return bindings_.try_emplace(key, std::move(binding)).first->second;
}

}  // namespace prism::analyzer
