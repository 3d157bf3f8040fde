// Merging per-TU summaries into one program (LinkedProgram), and the queries
// over it: functions, solved summaries, instantiation, reachability.
#include "services/analyzer/engine/link.h"

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
#include "services/analyzer/engine/summary_builder.h"

namespace prism::analyzer {
namespace {

// Whether a call modelled by `model` may leave a value other than the program's
// own in memory argument `position` points to: it writes there without saying
// which pointers it leaves, copies pointers there, or stores unknown ones.
bool ModelMayStoreFunctions(const FunctionModel& model, int position) {
  for (const FunctionModel::PointerStore& store : model.stores) {
    if (store.into == position &&
        store.kind == FunctionModel::PointerStore::Kind::kUnknown) {
      return true;
    }
  }
  for (const auto& [destination, source] : model.copies) {
    if (destination == position) return true;
  }
  return model.writes.Contains(position) && !model.DescribesPointers(position);
}

}  // namespace

using prism::v1::Function;

LinkedProgram::LinkedProgram(
    const std::vector<prism::v1::TranslationUnitSummary>* summaries,
    const ModelTable* models)
    : models_(models) {
  std::set<std::string> defined_globals, pointers_unknown_globals;
  for (const prism::v1::TranslationUnitSummary& summary : *summaries) {
    if (!summary.parsed()) {
      complete_ = false;
      incomplete_reasons_.push_back(
          absl::StrCat(summary.main_file(),
                       ": translation unit failed to parse (its functions "
                       "are treated as unknown code)"));
      prism::v1::Diagnostic note;
      note.set_severity(prism::v1::Diagnostic::SEVERITY_ERROR);
      note.mutable_location()->set_file(summary.main_file());
      note.set_message(
          "translation unit failed to parse: the functions it defines are "
          "treated as unknown "
          "code (conservative), so the result is incomplete");
      diagnostics_.push_back(note);
    }
    for (const prism::v1::Diagnostic& diagnostic : summary.diagnostics()) {
      if (diagnostic.severity() >= prism::v1::Diagnostic::SEVERITY_WARNING) {
        diagnostics_.push_back(diagnostic);
      }
    }
    for (const prism::v1::Function& function : summary.functions()) {
      if (function.usr().empty()) continue;
      FunctionNode& node = functions_[function.usr()];
      const bool usable_body = function.has_body() && summary.parsed();
      if (node.usr.empty() || (usable_body && node.bodies.empty())) {
        node.usr = function.usr();
        node.name = function.name();
        node.location = function.location();
        node.internal_linkage = function.internal_linkage();
        node.type = function.type();
        node.parameter_count = function.parameter_count();
      }
      node.annotated_handler =
          node.annotated_handler || function.annotated_handler();
      node.address_taken = node.address_taken || function.address_taken();
      node.address_cast = node.address_cast || function.address_cast();
      if (!usable_body) continue;
      const std::string serialized = function.SerializeAsString();
      bool duplicate = false;
      for (const Function* body : node.bodies) {
        if (body->SerializeAsString() == serialized) duplicate = true;
      }
      if (!duplicate) node.bodies.push_back(&function);
    }
    for (const prism::v1::Declaration& declaration : summary.declarations()) {
      auto& table = declaration.kind() == prism::v1::Declaration::KIND_FIELD
                        ? fields_
                        : globals_;
      const std::string& key =
          declaration.kind() == prism::v1::Declaration::KIND_FIELD ||
                  declaration.usr().empty()
              ? declaration.name()
              : declaration.usr();
      if (declaration.kind() == prism::v1::Declaration::KIND_GLOBAL &&
          declaration.address_taken()) {
        address_taken_globals_.insert(key);
      }
      if (declaration.kind() == prism::v1::Declaration::KIND_GLOBAL) {
        if (declaration.defined()) defined_globals.insert(key);
        if (declaration.initial_pointers_unknown()) {
          pointers_unknown_globals.insert(key);
        }
        // Typed only if every TU that declares it lets types decide and one
        // of them knows its type whole.
        StorageTypes& storage = storage_types_[key];
        storage.untyped = storage.untyped || declaration.untyped_storage();
        if (declaration.typed_storage()) {
          storage.typed = true;
          storage.types.insert(declaration.storage_types().begin(),
                               declaration.storage_types().end());
        }
      }
      auto [it, inserted] = table.try_emplace(key, &declaration);
      if (!inserted && it->second->override_reason().empty() &&
          !declaration.override_reason().empty()) {
        it->second = &declaration;
      }
    }
  }
  // A function-pointer type made from outside values; one returned by (or
  // whose address is given to) a function only when it has no body anywhere.
  for (const prism::v1::TranslationUnitSummary& summary : *summaries) {
    for (const prism::v1::ForeignFunctionPointer& foreign :
         summary.foreign_function_pointers()) {
      if (!foreign.from_callee_usr().empty()) {
        auto callee = functions_.find(foreign.from_callee_usr());
        if (callee != functions_.end() && !callee->second.bodies.empty())
          continue;
        // Memory given to a library function its model says it leaves alone
        // (read only, or only registered): what the program stored there
        // stays. No model: unknown code, which may write anything.
        if (callee != functions_.end() && foreign.argument_position() > 0) {
          const CallTarget target = TargetByName(callee->second.name);
          if (target.model != nullptr &&
              !ModelMayStoreFunctions(*target.model,
                                      foreign.argument_position() - 1)) {
            continue;
          }
        }
      }
      foreign_function_types_.try_emplace(
          foreign.type(),
          absl::StrCat(foreign.why(), " at ", foreign.location().file(), ":",
                       foreign.location().line()));
    }
  }
  for (const auto& [usr, node] : functions_) {
    // Methods with or without a body: an override defined where Prism has
    // not looked (another library) is unknown code, never nothing.
    if (node.name.find("::") != std::string::npos) {
      const std::string method = UnqualifiedName(node.name);
      methods_by_name_[method[0] == '~' ? "~" : method].push_back(&node);
    }
    if (node.address_taken && !node.type.empty()) {
      address_taken_by_type_[node.type].push_back(&node);
    }
    if (node.address_cast) address_cast_.push_back(&node);
  }
  for (const std::string& usr : defined_globals) {
    if (!address_taken_globals_.count(usr) &&
        !pointers_unknown_globals.count(usr)) {
      pointee_globals_.insert(usr);
    }
  }
  streams_hold_library_memory_only_ = ComputeStreamsHoldLibraryMemoryOnly();
  standard_streams_apart_ = ComputeStandardStreamsApart();
}

const std::string* LinkedProgram::ForeignReason(const std::string& type) const {
  auto it = foreign_function_types_.find(type);
  return it == foreign_function_types_.end() ? nullptr : &it->second;
}

const FunctionNode* LinkedProgram::FindFunction(const std::string& usr) const {
  auto it = functions_.find(usr);
  return it == functions_.end() ? nullptr : &it->second;
}

const Solved& LinkedProgram::SolvedFor(const std::string& usr) const {
  static const Solved* const kEmpty = new Solved();
  auto it = solved_.find(usr);
  return it == solved_.end() ? *kEmpty : *it->second;
}

std::vector<Value> LinkedProgram::InstantiateValue(
    const Value& value, const std::vector<std::vector<Value>>& arguments,
    const std::vector<Value>& this_argument) {
  std::vector<Value> out;
  if (value.kind == Value::Kind::kFunction ||
      value.kind == Value::Kind::kUnknown ||
      value.path.base != BaseKind::kParameter) {
    out.push_back(value);
    return out;
  }
  if (!value.within.empty()) {  // Instantiated, then placed where it was held.
    Value bare = value;
    bare.within.clear();
    for (Value& one : InstantiateValue(bare, arguments, this_argument)) {
      one.within.insert(one.within.begin(), value.within.begin(),
                        value.within.end());
      out.push_back(std::move(one));
    }
    return out;
  }
  static const std::vector<Value>* const kNone = new std::vector<Value>();
  const std::vector<Value>& bound =
      value.path.index == kThisParameter ? this_argument
      : value.path.index >= 0 &&
              static_cast<size_t>(value.path.index) < arguments.size()
          ? arguments[value.path.index]
          : *kNone;
  if (value.kind == Value::Kind::kLoadedFrom) {
    ValuesThrough(bound, value.path.selectors, &out, value.path.truncated);
    return out;
  }
  if (!HasDereference(value.path.selectors))
    return out;  // Address of the callee's local.
  AddressesThrough(bound, value.path.selectors, &out, value.path.truncated);
  return out;
}

std::vector<std::pair<const FunctionNode*, std::vector<std::string>>>
LinkedProgram::Reachable(const std::string& usr) const {
  std::vector<std::pair<const FunctionNode*, std::vector<std::string>>> out;
  const FunctionNode* root = FindFunction(usr);
  if (root == nullptr || root->bodies.empty()) return out;
  std::map<std::string, size_t> seen;  // usr -> index in out
  out.push_back({root, {root->name}});
  seen[usr] = 0;
  for (size_t next = 0; next < out.size(); ++next) {
    auto edges = call_edges_.find(out[next].first->usr);
    if (edges == call_edges_.end()) continue;
    for (const std::string& callee : edges->second) {
      if (seen.count(callee)) continue;
      const FunctionNode* node = FindFunction(callee);
      if (node == nullptr) continue;
      std::vector<std::string> chain = out[next].second;
      chain.push_back(node->name);
      seen[callee] = out.size();
      out.push_back({node, std::move(chain)});
    }
  }
  return out;
}

}  // namespace prism::analyzer
