// What a call may run (README.md, "Calls"): direct callees, virtual
// overrides, indirect calls resolved by value or by type, library models, and
// callbacks handed to code that may call them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/common/within.h"
#include "services/analyzer/engine/link.h"
#include "services/analyzer/engine/summary_builder.h"

namespace prism::analyzer {

using prism::v1::Function;

CallTarget LinkedProgram::TargetByName(const std::string& name) const {
  static const FunctionModel* const kValueOnly = [] {
    auto* model = new FunctionModel();
    model->name = "<value-only builtin>";
    return model;
  }();
  CallTarget target;
  if (auto it = models_->find(name); it != models_->end()) {
    target.model = &it->second;
  } else if (absl::StartsWith(name, "__builtin_ia32_") ||
             absl::StartsWith(name, "__builtin_rotate")) {
    target.model = kValueOnly;  // SIMD intrinsics, rotations: values only.
  } else if (absl::StartsWith(name, "__sync_")) {
    // Every __sync builtin (in any size, `__sync_add_and_fetch_8`) touches
    // *arg0 only, which the front-end records as an atomic access.
    target.model = kValueOnly;
  } else {
    target.unknown_name = name.empty() ? "<unnamed function>" : name;
  }
  return target;
}

std::vector<const FunctionNode*> LinkedProgram::FunctionsOfType(
    const std::string& type) const {
  std::vector<const FunctionNode*> out;
  std::set<const FunctionNode*> seen;
  if (auto it = address_taken_by_type_.find(type);
      !type.empty() && it != address_taken_by_type_.end()) {
    for (const FunctionNode* node : it->second) {
      if (seen.insert(node).second) out.push_back(node);
    }
  }
  for (const FunctionNode* node : address_cast_) {
    if (seen.insert(node).second) out.push_back(node);
  }
  return out;
}

std::vector<CallTarget> LinkedProgram::TargetsOf(
    const prism::v1::Call& call) const {
  std::vector<CallTarget> targets = CalleesOf(call);
  // Library code may call the functions it is handed where its model says so
  // (`calls=`); code with neither body nor model may call any of them.
  std::vector<CallTarget> callbacks;
  for (const CallTarget& callee : targets) {
    if (callee.function != nullptr) continue;
    for (int i = 0; i < call.arguments_size(); ++i) {
      if (callee.model != nullptr && !callee.model->calls.Contains(i)) continue;
      for (const prism::v1::ValueSource& source : call.arguments(i).sources()) {
        if (source.source_case() != prism::v1::ValueSource::kFunctionUsr) {
          continue;
        }
        const FunctionNode* node = FindFunction(source.function_usr());
        CallTarget callback =
            node != nullptr && !node->bodies.empty()
                ? CallTarget{node, nullptr, ""}
                : TargetByName(node != nullptr ? node->name
                                               : source.function_usr());
        callback.called_back = true;
        callbacks.push_back(std::move(callback));
      }
    }
  }
  targets.insert(targets.end(), callbacks.begin(), callbacks.end());
  return targets;
}

std::vector<CallTarget> LinkedProgram::CalleesOf(
    const prism::v1::Call& call) const {
  std::vector<CallTarget> targets;
  auto by_name = [&](const std::string& name) { return TargetByName(name); };
  if (call.callee_usr().empty() && call.indirect_type().empty() &&
      !call.callee_name().empty()) {
    targets.push_back(
        by_name(call.callee_name()));  // Direct call known only by name.
    return targets;
  }
  if (!call.callee_usr().empty()) {
    const FunctionNode* node = FindFunction(call.callee_usr());
    if (call.virtual_dispatch() && node != nullptr) {
      // Any override may run: every method of the same unqualified name and
      // arity (every destructor for a destructor), plus the static choice.
      // One without a body here is its model or unknown code.
      const std::string method = UnqualifiedName(node->name);
      auto it = methods_by_name_.find(method[0] == '~' ? "~" : method);
      if (it != methods_by_name_.end()) {
        for (const FunctionNode* candidate : it->second) {
          if (candidate == node ||
              candidate->parameter_count != node->parameter_count) {
            continue;
          }
          targets.push_back(!candidate->bodies.empty()
                                ? CallTarget{candidate, nullptr, ""}
                                : by_name(candidate->name));
        }
      }
    }
    if (node != nullptr && !node->bodies.empty()) {
      targets.push_back(CallTarget{node, nullptr, ""});
    } else {
      targets.push_back(by_name(node != nullptr && !node->name.empty()
                                    ? node->name
                                    : call.callee_name()));
    }
    return targets;
  }
  // The front-end may know which functions the pointer holds (callee_value).
  bool all_known = call.callee_value().sources_size() > 0;
  for (const prism::v1::ValueSource& source : call.callee_value().sources()) {
    if (source.source_case() != prism::v1::ValueSource::kFunctionUsr)
      all_known = false;
  }
  if (all_known) {
    for (const prism::v1::ValueSource& source : call.callee_value().sources()) {
      const FunctionNode* node = FindFunction(source.function_usr());
      if (node != nullptr && !node->bodies.empty()) {
        targets.push_back(CallTarget{node, nullptr, ""});
      } else {
        targets.push_back(
            by_name(node != nullptr ? node->name : source.function_usr()));
      }
    }
    return targets;
  }
  auto it = address_taken_by_type_.find(call.indirect_type());
  if (it == address_taken_by_type_.end() || call.indirect_type().empty()) {
    CallTarget target;
    target.unknown_name = absl::StrCat(
        "<indirect call through ",
        call.indirect_type().empty() ? "an unknown type" : call.indirect_type(),
        ">");
    targets.push_back(target);
    return targets;
  }
  // Same canonical type, plus every function whose address was cast to
  // another type ((hook_fn)bump_stats stored in a table of hook_fn).
  std::set<const FunctionNode*> seen;
  auto add = [&](const FunctionNode* node) {
    if (!seen.insert(node).second) return;
    if (!node->bodies.empty()) {
      targets.push_back(CallTarget{node, nullptr, ""});
    } else {
      targets.push_back(by_name(node->name));
    }
  };
  for (const FunctionNode* node : it->second) add(node);
  for (const FunctionNode* node : address_cast_) add(node);
  if (const std::string* foreign = ForeignReason(call.indirect_type())) {
    CallTarget outside;
    outside.unknown_name =
        absl::StrCat("<function from outside the program through ",
                     call.indirect_type(), ": ", *foreign, ">");
    targets.push_back(std::move(outside));
  }
  return targets;
}

}  // namespace prism::analyzer
