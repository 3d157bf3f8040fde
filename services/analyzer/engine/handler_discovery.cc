// Handler discovery: registrations through the table's APIs and through
// wrappers to any depth, callbacks resolved by type, annotated handlers, and
// callbacks handed to library code that is no registration.
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
#include "services/analyzer/engine/registration_api.h"

namespace prism::analyzer {

HandlerInfo& Analysis::HandlerFor(const std::string& usr) {
  const FunctionNode* node = program_.FindFunction(usr);
  const std::string name =
      node != nullptr && !node->name.empty() ? node->name : usr;
  const std::string file = node != nullptr ? node->location.file() : "";
  const bool internal = node != nullptr && node->internal_linkage;
  const std::string identity = internal ? absl::StrCat(name, "\n", file) : name;
  HandlerInfo& handler = handlers_[identity];
  if (handler.usrs.empty()) {
    handler.proto.set_name(name);
    handler.proto.set_file(file);
    handler.proto.set_line(node != nullptr ? node->location.line() : 0);
    handler.proto.set_internal_linkage(internal);
    handler.proto.set_usr(usr);
  }
  handler.usrs.insert(usr);
  return handler;
}

// A function handed to code that neither registers it as a handler
// (registration_apis.txt) nor only calls it during the call (`calls=` in its
// model) may be run later, from the loop or another thread, outside the
// matrix: the program must run serially, and the reason says which callback
// and which API. Unknown code (no body, no model) may keep what it is given,
// so it counts too. POSIX signal handlers (`async=` in the model) are
// asynchronous in the serial program as well: a note, not a serial reason.
void Analysis::NoteUnhandledCallbacks(const FunctionNode& caller,
                                      const prism::v1::Call& call) {
  for (const CallTarget& target : program_.TargetsOf(call)) {
    if (target.called_back || target.function != nullptr) continue;
    const FunctionModel* model = target.model;
    const std::string& api =
        model != nullptr ? model->name : target.unknown_name;
    for (int i = 0; i < call.arguments_size(); ++i) {
      if (model != nullptr && model->calls.Contains(i)) continue;
      const bool async = model != nullptr && model->async.Contains(i);
      for (const prism::v1::ValueSource& source : call.arguments(i).sources()) {
        if (source.source_case() != prism::v1::ValueSource::kFunctionUsr) {
          continue;
        }
        // A function held in memory the argument points to (a struct
        // sigaction's handler) is handed over only if the library reads
        // that memory; memset(&sa, 0, sizeof sa) does not.
        if (source.within_size() > 0 && model != nullptr &&
            !model->reads.Contains(i) && !async) {
          continue;
        }
        const FunctionNode* callback =
            program_.FindFunction(source.function_usr());
        const std::string name =
            callback != nullptr ? callback->name : source.function_usr();
        if (async) {
          const std::string key = absl::StrCat(name, "|", api);
          if (async_callbacks_.count(key)) continue;
          prism::v1::Diagnostic& note = async_callbacks_[key];
          note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
          *note.mutable_location() = call.location();
          note.set_message(absl::StrCat(
              caller.name, " hands ", name, " to ", api,
              ", which runs it asynchronously to the handlers (a signal "
              "handler, a thread) in the serial program too: it is not part "
              "of the matrix, and Prism does not change how it interleaves "
              "with handlers"));
          continue;
        }
        AddSerialReason(
            absl::StrCat("3|", name, "|", api), call.location(),
            model != nullptr
                ? absl::StrCat(
                      caller.name, " hands ", name, " to ", api,
                      ", which is neither a known handler registration nor "
                      "modelled as only calling it during the call: it may "
                      "run later (from the event loop or another thread) "
                      "outside the constraints, so the constraints tell the "
                      "runtime to run this program serially; add the API to "
                      "the registration table, or a calls= model if it only "
                      "calls it during the call")
                : absl::StrCat(
                      caller.name, " hands ", name, " to ", api,
                      ", which has no body and no model: it may keep the "
                      "function and run it later outside the constraints, so "
                      "the constraints tell the runtime to run this program "
                      "serially; add a model (calls= if it only calls it "
                      "during the call)"));
      }
    }
  }
}

void Analysis::DiscoverHandlers() {
  const RegistrationApiTable& apis = BuiltinRegistrationApis();
  std::map<std::string, std::vector<WrapperSlot>> slots;
  std::set<std::string> slot_keys, registration_keys;
  struct Pending {
    int argument;
    WrapperSlot slot;  // parameter unused
  };
  std::map<const prism::v1::Function*, std::vector<CallArguments>> resolved;
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& [usr, node] : program_.functions()) {
      for (const prism::v1::Function* body : node.bodies) {
        for (int call_position = 0; call_position < body->calls_size();
             ++call_position) {
          const prism::v1::Call& call = body->calls(call_position);
          std::vector<Pending> pending;
          auto resolved_call = [&]() -> const CallArguments& {
            auto it = resolved.find(body);
            if (it == resolved.end()) {
              it =
                  resolved
                      .emplace(body, program_.ResolveCallArguments(node, *body))
                      .first;
            }
            return it->second[call_position];
          };
          auto argument = [&](int position) {
            const std::vector<std::vector<Value>>& arguments =
                resolved_call().arguments;
            if (position < 0 ||
                static_cast<size_t>(position) >= arguments.size()) {
              return std::vector<Value>();
            }
            return arguments[position];
          };
          auto api = apis.find(call.callee_name());
          if (api == apis.end()) NoteUnhandledCallbacks(node, call);
          if (api != apis.end()) {
            std::vector<Value> context = argument(api->second.context_argument);
            // The context pointer itself: values placed inside what it
            // points to (Value::within) are followed through stores.
            context.erase(std::remove_if(context.begin(), context.end(),
                                         [](const Value& value) {
                                           return !value.within.empty();
                                         }),
                          context.end());
            std::map<int, std::vector<Value>> passed;
            std::map<int, PassedLvalues> passed_lvalues;
            for (const PassedParameter& pass : api->second.passes) {
              if (pass.argument == PassedParameter::kShared) {
                passed[pass.parameter] = {Value()};  // Unknown: shared.
                continue;
              }
              if (pass.argument != PassedParameter::kReturned) {
                passed[pass.parameter] = argument(pass.argument);
                if (pass.argument < call.arguments_size()) {
                  const prism::v1::ArgumentValue& passed_argument =
                      call.arguments(pass.argument);
                  PassedLvalues lvalues;
                  lvalues.number =
                      passed_argument.pointer_loaded_from_size() == 0;
                  bool usable = true;
                  for (const prism::v1::MemoryPath& from :
                       lvalues.number ? passed_argument.integer_loaded_from()
                                      : passed_argument.pointer_loaded_from()) {
                    lvalues.paths.push_back(PathFromProto(from));
                    if (lvalues.paths.back().base == BaseKind::kReturn ||
                        lvalues.paths.back().base == BaseKind::kEscapedLocal)
                      usable = false;
                  }
                  if (usable && !lvalues.paths.empty())
                    passed_lvalues[pass.parameter] = std::move(lvalues);
                }
                continue;
              }
              // The object the registration call returns.
              prism::v1::ArgumentValue returned;
              prism::v1::MemoryPath* path =
                  returned.add_sources()->mutable_loaded_from();
              path->set_base(prism::v1::MemoryPath::BASE_RETURN);
              path->set_parameter_index(static_cast<int>(call.index()));
              passed[pass.parameter] =
                  program_.ResolveValues(node, *body, returned);
            }
            for (const CallbackSlot& callback : api->second.callbacks) {
              pending.push_back(
                  {callback.argument, WrapperSlot{0,
                                                  callback.context_parameter,
                                                  api->first,
                                                  context,
                                                  passed,
                                                  passed_lvalues,
                                                  {}}});
            }
          }
          for (const CallTarget& target : program_.TargetsOf(call)) {
            if (target.function == nullptr || target.called_back) continue;
            auto it = slots.find(target.function->usr);
            if (it == slots.end()) continue;
            const std::vector<std::vector<Value>>& arguments =
                resolved_call().arguments;
            const std::vector<Value>& this_argument =
                resolved_call().this_argument;
            for (const WrapperSlot& slot : it->second) {
              WrapperSlot instantiated = slot;
              instantiated.context_values.clear();
              for (const Value& value : slot.context_values) {
                std::vector<Value> values = LinkedProgram::InstantiateValue(
                    value, arguments, this_argument);
                instantiated.context_values.insert(
                    instantiated.context_values.end(), values.begin(),
                    values.end());
              }
              for (auto& [parameter, passed] : instantiated.passed) {
                std::vector<Value> outer;
                for (const Value& value : passed) {
                  std::vector<Value> values = LinkedProgram::InstantiateValue(
                      value, arguments, this_argument);
                  outer.insert(outer.end(), values.begin(), values.end());
                }
                passed = std::move(outer);
              }
              for (auto it = instantiated.passed_lvalues.begin();
                   it != instantiated.passed_lvalues.end();) {
                // The wrapper's parameters replaced by the call's
                // arguments; a callee's local stands for nothing here.
                std::vector<Path> outer;
                bool usable = true;
                for (const Path& lvalue : it->second.paths) {
                  if (lvalue.base != BaseKind::kParameter) {
                    usable = usable && lvalue.base != BaseKind::kFresh;
                    outer.push_back(lvalue);
                    continue;
                  }
                  if (it->second.number && lvalue.selectors.empty()) {
                    // The wrapper's integer parameter itself: where the
                    // caller's argument was read from.
                    if (lvalue.index < 0 ||
                        lvalue.index >= call.arguments_size() ||
                        call.arguments(lvalue.index)
                                .integer_loaded_from_size() == 0) {
                      usable = false;
                      continue;
                    }
                    for (const prism::v1::MemoryPath& from :
                         call.arguments(lvalue.index).integer_loaded_from()) {
                      outer.push_back(PathFromProto(from));
                      if (outer.back().base == BaseKind::kReturn ||
                          outer.back().base == BaseKind::kEscapedLocal) {
                        usable = false;
                      }
                    }
                    continue;
                  }
                  const std::vector<Value>* bound =
                      lvalue.index == kThisParameter ? &this_argument
                      : lvalue.index >= 0 && static_cast<size_t>(lvalue.index) <
                                                 arguments.size()
                          ? &arguments[lvalue.index]
                          : nullptr;
                  if (bound == nullptr || bound->empty()) {
                    usable = false;
                    continue;
                  }
                  PathsThrough(*bound, lvalue.selectors, &outer,
                               lvalue.truncated);
                }
                if (usable && !outer.empty()) {
                  it->second.paths = std::move(outer);
                  ++it;
                } else {
                  it = instantiated.passed_lvalues.erase(it);
                }
              }
              pending.push_back({slot.parameter, std::move(instantiated)});
            }
          }
          for (Pending& item : pending) {
            std::vector<std::string> via = {node.name};
            via.insert(via.end(), item.slot.via.begin(), item.slot.via.end());
            auto register_handler = [&](const std::string& function_usr) {
              const std::string key = absl::StrCat(
                  function_usr, "|", LocationKey(call.location()), "|",
                  item.slot.api, "|", item.slot.context_parameter, "|", usr);
              if (!registration_keys.insert(key).second) return;
              HandlerInfo& handler = HandlerFor(function_usr);
              if (auto api = apis.find(item.slot.api);
                  api != apis.end() && api->second.unscheduled) {
                NoteUnscheduled(handler, api->second, call.location());
              }
              handler.context_parameters.insert(item.slot.context_parameter);
              // The context pointer itself: values placed inside what it
              // points to (Value::within), which a wrapper's argument
              // brings along, are not the context.
              std::vector<Value> context;
              for (const Value& value : item.slot.context_values) {
                if (value.within.empty()) context.push_back(value);
              }
              handler.registrations.push_back(
                  {usr, std::move(context), item.slot.api,
                   item.slot.context_parameter, item.slot.passed,
                   item.slot.passed_lvalues});
              prism::v1::Registration* registration =
                  handler.proto.add_registrations();
              registration->set_api(item.slot.api);
              *registration->mutable_location() = call.location();
              for (const std::string& step : via) registration->add_via(step);
            };
            for (const Value& callback : argument(item.argument)) {
              if (callback.kind == Value::Kind::kFunction) {
                register_handler(callback.function_usr);
              } else if (callback.kind == Value::Kind::kLoadedFrom &&
                         callback.path.base == BaseKind::kParameter &&
                         callback.path.selectors.empty() &&
                         callback.path.index >= 0) {
                const std::string key = absl::StrCat(
                    usr, "|", callback.path.index, "|", item.slot.api, "|",
                    item.slot.context_parameter);
                if (!slot_keys.insert(key).second) continue;
                WrapperSlot slot = item.slot;
                slot.parameter = callback.path.index;
                slot.via = via;
                slots[usr].push_back(std::move(slot));
                changed = true;
              } else {
                // Read from a table, returned, unknown: any function of the
                // slot's type whose address is taken may be the callback.
                const std::string key = LocationKey(call.location());
                const std::string type =
                    item.argument >= 0 && item.argument < call.arguments_size()
                        ? call.arguments(item.argument).function_type()
                        : "";
                const std::vector<const FunctionNode*> candidates =
                    type.empty() ? std::vector<const FunctionNode*>()
                                 : program_.FunctionsOfType(type);
                if (!candidates.empty() && program_.ForeignReason(type)) {
                  // The callback may also be a function from outside the
                  // program, whose handler would be missing.
                  for (const FunctionNode* candidate : candidates)
                    register_handler(candidate->usr);
                  if (unresolved_.count(key)) continue;
                  prism::v1::Diagnostic& diagnostic = unresolved_[key];
                  diagnostic.set_severity(
                      prism::v1::Diagnostic::SEVERITY_WARNING);
                  *diagnostic.mutable_location() = call.location();
                  diagnostic.set_message(absl::StrCat(
                      "the callback registered through ", item.slot.api, " in ",
                      node.name,
                      " may be a function from outside the program (",
                      *program_.ForeignReason(type),
                      "); the handlers it may run are missing from the "
                      "matrix (incomplete)"));
                  continue;
                }
                if (!candidates.empty()) {
                  for (const FunctionNode* candidate : candidates)
                    register_handler(candidate->usr);
                  if (resolved_by_type_.count(key)) continue;
                  prism::v1::Diagnostic& note = resolved_by_type_[key];
                  note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
                  *note.mutable_location() = call.location();
                  note.set_message(absl::StrCat(
                      "the callback registered through ", item.slot.api, " in ",
                      node.name,
                      " is not named here: every function of its type whose "
                      "address is taken (",
                      candidates.size(), ") is taken as a handler"));
                  continue;
                }
                if (unresolved_.count(key)) continue;
                prism::v1::Diagnostic& diagnostic = unresolved_[key];
                diagnostic.set_severity(
                    prism::v1::Diagnostic::SEVERITY_WARNING);
                *diagnostic.mutable_location() = call.location();
                diagnostic.set_message(
                    absl::StrCat("the callback registered through ",
                                 item.slot.api, " in ", node.name,
                                 " could not be resolved to a function; the "
                                 "handlers it may run are "
                                 "missing from the matrix (incomplete)"));
              }
            }
          }
        }
      }
    }
  }
  for (const auto& [usr, node] : program_.functions()) {
    if (!node.annotated_handler) continue;
    HandlerInfo& handler = HandlerFor(usr);
    for (uint32_t i = 0; i < node.parameter_count; ++i) {
      handler.context_parameters.insert(static_cast<int>(i));
    }
  }
}

}  // namespace prism::analyzer
