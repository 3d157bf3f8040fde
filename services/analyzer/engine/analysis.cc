// Handler discovery, escapes, conflicts and the ConstraintSet (engine.h). The
// rules are stated in README.md beside this file; keep the two in step.
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
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/engine/link.h"
#include "services/analyzer/engine/registration_api.h"

namespace prism::analyzer {
namespace {

using prism::v1::AnalysisResult;
using prism::v1::SourceLocation;

// The lvalues a registration's argument was read from: a pointer
// (ArgumentValue.pointer_loaded_from: the callback's parameter is what they
// hold) or a descriptor number (integer_loaded_from: releasing the parameter
// writes them).
struct PassedLvalues {
  std::vector<Path> paths;
  bool number = false;
};

// A callback slot of a registration API, or of a wrapper function that passes
// one of its parameters on to such a slot (memcached's `_set_event`), to any
// depth.
struct WrapperSlot {
  int parameter = 0;  // The function's parameter that receives the callback.
  int context_parameter =
      0;  // The callback's parameter that receives the context.
  std::string api;
  std::vector<Value> context_values;  // The context, in the wrapper's terms.
  // Callback parameter -> what the registration passes to it (the table's
  // `passes=`), in the wrapper's terms.
  std::map<int, std::vector<Value>> passed;
  // Callback parameter -> the lvalues its argument was read from (c->bev), when
  // known (ArgumentValue.pointer_loaded_from).
  std::map<int, PassedLvalues> passed_lvalues;
  std::vector<std::string>
      via;  // Wrapper chain from this function to the API call.
};

struct RegistrationFact {
  std::string registering_usr;  // Function whose body holds the registration.
  std::vector<Value> context_values;
  std::string api;
  int context_parameter = 0;
  std::map<int, std::vector<Value>> passed;
  std::map<int, PassedLvalues> passed_lvalues;
};

// What a handler's pointer parameter other than the context stands for
// (README.md, "Handler parameters"): memory reached from the context (values
// relative to the context parameter), and/or memory no other context reaches.
// `global`: neither can be shown; its accesses are global.
struct ParameterBinding {
  std::vector<Value> context_values;
  // Objects (allocation sites) only the callbacks of the registrations that
  // pass them reach, each on the context registered with it.
  std::set<std::string> own_objects;
  bool global = false;
  // Some registration leaves the parameter to the library (not in the
  // table's passes=): a number released through it may be anyone's.
  bool library_made = false;
};

struct HandlerInfo {
  prism::v1::Handler proto;
  std::set<std::string> usrs;
  std::set<int> context_parameters;
  std::vector<RegistrationFact> registrations;
};

// One access of a handler, classified.
struct HandlerAccess {
  bool context = false;
  bool unknown = false;  // Global and overlaps every global resource.
  std::string
      group;  // Global: the base's identity; context: the role ("ctx", "p0").
  Path path;
  std::string resource;
  bool write = false;
  bool atomic = false;
  SourceLocation location;
  std::vector<std::string> via;
};

struct HandlerAccesses {
  std::map<std::string, std::vector<HandlerAccess>> global_groups;
  std::vector<HandlerAccess> unknown;
  std::vector<const HandlerAccess*> all_global;
  std::map<std::string, std::vector<HandlerAccess>> context_groups;
};

std::string LocationKey(const SourceLocation& location) {
  return absl::StrCat(location.file(), ":", location.line(), ":",
                      location.column());
}

bool IsSelectorField(const std::string& selector) {
  return selector != "*" && selector != "[]";
}

bool IsPrefix(const std::vector<std::string>& prefix,
              const std::vector<std::string>& of) {
  if (prefix.size() > of.size()) return false;
  return SelectorsOverlap(prefix, of);
}

std::string RoleOf(const HandlerInfo& handler, int parameter) {
  if (handler.context_parameters.count(parameter)) return "ctx";
  if (parameter == kThisParameter) return "this";
  return absl::StrCat("p", parameter);
}

class Analysis {
 public:
  Analysis(const std::vector<prism::v1::TranslationUnitSummary>& summaries,
           const AnalysisOptions& options)
      : options_(options), program_(&summaries, &options.models) {}

  AnalysisResult Run() {
    program_.Solve();
    for (const auto& [name, declaration] : program_.fields()) {
      if (declaration->override_reason().empty()) continue;
      field_overrides_[name] = declaration;
      bare_field_overrides_[FieldName(name)] = declaration;
    }
    DiscoverHandlers();
    FindEscapes();
    std::vector<HandlerInfo*> ordered;
    for (auto& [identity, handler] : handlers_) ordered.push_back(&handler);
    std::sort(ordered.begin(), ordered.end(),
              [](const HandlerInfo* a, const HandlerInfo* b) {
                return std::make_tuple(a->proto.name(), a->proto.file(),
                                       a->proto.line()) <
                       std::make_tuple(b->proto.name(), b->proto.file(),
                                       b->proto.line());
              });
    std::vector<HandlerAccesses> accesses;
    for (HandlerInfo* handler : ordered) accesses.push_back(Classify(*handler));

    AnalysisResult result;
    result.set_program(options_.program);
    for (HandlerInfo* handler : ordered)
      *result.add_handlers() = handler->proto;
    const size_t n = ordered.size();
    std::string cells(n * n, '\0');
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i; j < n; ++j) {
        PairConflicts(i, j, accesses[i], accesses[j], &result, &cells);
      }
    }
    result.mutable_matrix()->set_size(static_cast<uint32_t>(n));
    result.mutable_matrix()->set_cells(cells);
    result.set_complete(program_.complete() && unresolved_.empty());
    for (const std::string& reason : program_.incomplete_reasons())
      result.add_incomplete_reasons(reason);
    for (const auto& [key, diagnostic] : unresolved_) {
      result.add_incomplete_reasons(
          absl::StrCat(LocationKey(diagnostic.location()), ": ",
                       diagnostic.message()));
    }
    for (const auto& [key, reason] : serial_reasons_) {
      result.add_serial_reasons(reason.message());
      *result.add_diagnostics() = reason;
    }
    for (const prism::v1::Diagnostic& diagnostic : program_.diagnostics()) {
      *result.add_diagnostics() = diagnostic;
    }
    for (const auto& [key, diagnostic] : unresolved_)
      *result.add_diagnostics() = diagnostic;
    for (const auto& [key, diagnostic] : resolved_by_type_)
      *result.add_diagnostics() = diagnostic;
    if (omitted_ > 0) {
      prism::v1::Diagnostic note;
      note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
      note.set_message(absl::StrCat(
          omitted_, " further conflict explanation(s) omitted (at most ",
          kExplanationsPerPair, " per pair of handlers and kind are listed)"));
      *result.add_diagnostics() = note;
    }
    if (!program_.unknown_functions().empty()) {
      std::vector<std::string> names(program_.unknown_functions().begin(),
                                     program_.unknown_functions().end());
      const size_t total = names.size();
      if (names.size() > 30) names.resize(30);
      prism::v1::Diagnostic note;
      note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
      note.set_message(absl::StrCat(total,
                                    " function(s) called without a body or a "
                                    "library model are assumed to read "
                                    "and write everything reachable from their "
                                    "arguments and the global <unknown> "
                                    "resource: ",
                                    absl::StrJoin(names, ", "),
                                    total > names.size() ? ", ..." : ""));
      *result.add_diagnostics() = note;
    }
    return result;
  }

 private:
  // ---- Handlers.

  HandlerInfo& HandlerFor(const std::string& usr) {
    const FunctionNode* node = program_.FindFunction(usr);
    const std::string name =
        node != nullptr && !node->name.empty() ? node->name : usr;
    const std::string file = node != nullptr ? node->location.file() : "";
    const bool internal = node != nullptr && node->internal_linkage;
    const std::string identity =
        internal ? absl::StrCat(name, "\n", file) : name;
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

  // A function handed to library code that neither registers it as a handler
  // (registration_apis.txt) nor calls it during the call (`calls=` in its
  // model) may be run later from the loop or another thread, outside the
  // matrix: say so, and mark the result incomplete.
  void NoteUnhandledCallbacks(const FunctionNode& caller,
                              const prism::v1::Call& call) {
    for (const CallTarget& target : program_.TargetsOf(call)) {
      if (target.model == nullptr || target.called_back) continue;
      for (int i = 0; i < call.arguments_size(); ++i) {
        if (target.model->calls.Contains(i)) continue;
        for (const prism::v1::ValueSource& source :
             call.arguments(i).sources()) {
          if (source.source_case() != prism::v1::ValueSource::kFunctionUsr) {
            continue;
          }
          // A function held in memory the argument points to (a struct
          // sigaction's handler) is handed over only if the library reads
          // that memory; memset(&sa, 0, sizeof sa) does not.
          if (source.within_size() > 0 && !target.model->reads.Contains(i)) {
            continue;
          }
          const std::string key = LocationKey(call.location());
          if (unresolved_.count(key)) continue;
          const FunctionNode* callback =
              program_.FindFunction(source.function_usr());
          prism::v1::Diagnostic& diagnostic = unresolved_[key];
          diagnostic.set_severity(prism::v1::Diagnostic::SEVERITY_WARNING);
          *diagnostic.mutable_location() = call.location();
          diagnostic.set_message(absl::StrCat(
              caller.name, " hands ",
              callback != nullptr ? callback->name : source.function_usr(),
              " to ", target.model->name,
              ", which is neither a known handler registration nor modelled as "
              "calling it: if it runs later (from the event loop, another "
              "thread or a signal), it runs outside the matrix and the result "
              "is incomplete; add the API to the registration table or a "
              "calls= model"));
        }
      }
    }
  }

  void DiscoverHandlers() {
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
                it = resolved
                         .emplace(body,
                                  program_.ResolveCallArguments(node, *body))
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
              std::vector<Value> context =
                  argument(api->second.context_argument);
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
                         lvalues.number
                             ? passed_argument.integer_loaded_from()
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
                        : lvalue.index >= 0 &&
                                static_cast<size_t>(lvalue.index) <
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
                  NoteUnscheduled(handler, item.slot.api, call.location());
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
                      item.argument >= 0 &&
                              item.argument < call.arguments_size()
                          ? call.arguments(item.argument).function_type()
                          : "";
                  const std::vector<const FunctionNode*> candidates =
                      type.empty() ? std::vector<const FunctionNode*>()
                                   : program_.FunctionsOfType(type);
                  if (!candidates.empty()) {
                    for (const FunctionNode* candidate : candidates)
                      register_handler(candidate->usr);
                    if (resolved_by_type_.count(key)) continue;
                    prism::v1::Diagnostic& note = resolved_by_type_[key];
                    note.set_severity(prism::v1::Diagnostic::SEVERITY_NOTE);
                    *note.mutable_location() = call.location();
                    note.set_message(absl::StrCat(
                        "the callback registered through ", item.slot.api,
                        " in ", node.name,
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

  // ---- Escapes (README.md): which context memory may also be reached from
  // global memory.

  void AddEscape(const std::string& role, std::vector<std::string> prefix) {
    if (prefix.size() > kMaxSelectors) prefix.resize(kMaxSelectors);
    escapes_[role].insert(std::move(prefix));
  }

  // One fresh object: the front-end's own (allocation sites and locals of
  // one function) carry no key but a name per site; the link step's have a
  // key per call.
  static std::string FreshId(const Path& path) {
    return path.key.empty() ? absl::StrCat("name:", path.name) : path.key;
  }

  // Fresh objects of one function's stores that other code may reach: their
  // address is stored into shared memory or into another published object,
  // to any depth. (Stored through a parameter it is reachable from the
  // caller's memory: the caller's instantiated stores see that.)
  static std::set<std::string> PublishedFresh(
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
  void EscapesInCallers(const std::string& registering_usr,
                        const std::vector<Value>& context_values, int depth) {
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

  void FindEscapes() {
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
          const bool target_shared = store.target.IsShared() ||
                                     (store.target.base == BaseKind::kFresh &&
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
          const bool target_shared = store.target.IsShared() ||
                                     (store.target.base == BaseKind::kFresh &&
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
            if (base.base != store.target.base ||
                base.key != store.target.key ||
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

  // ---- Handler parameters other than the context (README.md, "Handler
  // parameters").

  // The context's own memory at a registration: what a context value points
  // to. Nothing when unknown.
  static bool ContextObject(const Value& context, Path* out) {
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
  static bool Within(const Path& path, const Path& object,
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
  static Path ContextPath(const RegistrationFact& registration,
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
  bool BindValue(const RegistrationFact& registration, const Value& value,
                 ParameterBinding* binding) {
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
  std::string ContextName(const HandlerInfo& handler, int index) const {
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

  const ParameterBinding& BindingOf(const HandlerInfo& handler, int parameter) {
    const auto key = std::make_pair(&handler, parameter);
    if (auto it = bindings_.find(key); it != bindings_.end()) return it->second;
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
    return bindings_[key] = std::move(binding);
  }

  // ---- Classification of a handler's effects into global and context
  // accesses.

  // A handler registered through an API the runtime cannot schedule (no
  // prism_* wrapper): it would run outside the constraints, so the program
  // must run serially.
  void NoteUnscheduled(const HandlerInfo& handler, const std::string& api,
                       const SourceLocation& location) {
    AddSerialReason(
        absl::StrCat("2|", handler.proto.name(), "|", api), location,
        absl::StrCat(
            "handler ", handler.proto.name(), " is registered through ", api,
            ", which the Prism runtime cannot schedule (no prism_* wrapper): "
            "it would run outside the constraints, so the constraints tell "
            "the runtime to run this program serially"));
  }

  // What makes the program run serially whatever the matrix, once per key,
  // reported as a warning at `location` and carried by the ConstraintSet.
  void AddSerialReason(const std::string& key, const SourceLocation& location,
                       std::string message) {
    if (serial_reasons_.count(key)) return;
    prism::v1::Diagnostic& diagnostic = serial_reasons_[key];
    diagnostic.set_severity(prism::v1::Diagnostic::SEVERITY_WARNING);
    *diagnostic.mutable_location() = location;
    diagnostic.set_message(std::move(message));
  }

  // A handler using thread-local storage: on worker threads it would see a
  // different copy from one invocation to the next, which no matrix can
  // prevent, so the program must run serially (DESIGN.md: unknown means
  // serial).
  void NoteThreadLocal(const HandlerInfo& handler,
                       const HandlerAccess& access) {
    if (access.path.base != BaseKind::kGlobal) return;
    auto it = program_.globals().find(access.path.key);
    if (it == program_.globals().end() || !it->second->per_thread()) return;
    AddSerialReason(
        absl::StrCat("1|", handler.proto.name(), "|", it->second->name()),
        access.location,
        absl::StrCat("handler ", handler.proto.name(),
                     " uses the thread-local '", it->second->name(),
                     "': worker threads each have their own copy, so the "
                     "constraints tell the runtime to run this program "
                     "serially"));
  }

  void AddGlobal(HandlerAccesses* out, HandlerAccess access) {
    access.context = false;
    if (access.path.base == BaseKind::kUnknown) {
      access.unknown = true;
      access.group.clear();
      out->unknown.push_back(std::move(access));
    } else {
      access.group = absl::StrCat(static_cast<int>(access.path.base), "|",
                                  access.path.key);
      out->global_groups[access.group].push_back(std::move(access));
    }
  }

  // Whether some registration passes a pointer into the middle of an object
  // (`&x->out`) as the handler's context.
  static bool RegisteredWithSubObject(const HandlerInfo& handler) {
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

  HandlerAccesses Classify(const HandlerInfo& handler) {
    HandlerAccesses out;
    std::set<std::string> seen_shared;
    std::function<void(const Effect&, std::vector<std::string>)> add =
        [&](const Effect& effect, std::vector<std::string> via) {
          HandlerAccess access;
          access.path = effect.path;
          access.write = effect.write;
          access.atomic = effect.atomic;
          access.location = effect.location;
          if (access.location.line() == 0 && handler.proto.line() != 0) {
            // Every site has a file and a line (DESIGN.md invariant 4): an
            // access without a location of its own is placed at the handler.
            access.location.set_file(handler.proto.file());
            access.location.set_line(handler.proto.line());
            access.location.set_column(0);
          }
          access.via = std::move(via);
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
          if (role != "ctx" && role != "this" &&
              !handler.registrations.empty()) {
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
      for (const HandlerAccess& access : list)
        out.all_global.push_back(&access);
    }
    for (const HandlerAccess& access : out.unknown)
      out.all_global.push_back(&access);
    return out;
  }

  // ---- Conflicts.

  // True when `selectors[from...]` may go through a pointer: memory the
  // overridden object points to is not the object (an override of a pointer
  // never covers its pointee). A subscript ("[]") counts too: summaries do
  // not tell an array's elements from a pointer's.
  static bool DereferencesFrom(const std::vector<std::string>& selectors,
                               size_t from) {
    for (size_t i = from; i < selectors.size(); ++i) {
      if (!IsSelectorField(selectors[i])) return true;
    }
    return false;
  }

  // The programmer's override covering a conflict, if any: one side's access
  // is to an overridden global or field itself (not through a pointer in it).
  const Override* FindOverride(const HandlerAccess& a, const HandlerAccess& b,
                               const std::string& resource,
                               Override* scratch) const {
    for (const HandlerAccess* access : {&a, &b}) {
      const std::vector<std::string>& selectors = access->path.selectors;
      if (access->path.base == BaseKind::kGlobal &&
          !DereferencesFrom(selectors, 0)) {
        auto it = program_.globals().find(access->path.key);
        if (it != program_.globals().end() &&
            !it->second->override_reason().empty()) {
          scratch->resource = it->second->name();
          scratch->reason = it->second->override_reason();
          scratch->declared_at = it->second->location();
          return scratch;
        }
      }
      for (size_t i = 0; i < selectors.size(); ++i) {
        const std::string& selector = selectors[i];
        if (!IsSelectorField(selector) || DereferencesFrom(selectors, i + 1)) {
          continue;
        }
        // "record::field" when the record is known; else any field so named.
        auto it = field_overrides_.find(selector);
        if (it == field_overrides_.end() &&
            selector.find("::") == std::string::npos) {
          it = bare_field_overrides_.find(selector);
          if (it == bare_field_overrides_.end()) continue;
        } else if (it == field_overrides_.end()) {
          continue;
        }
        const prism::v1::Declaration* declaration = it->second;
        scratch->resource = declaration->name();
        scratch->reason = declaration->override_reason();
        scratch->declared_at = declaration->location();
        return scratch;
      }
    }
    for (const Override& override : options_.overrides) {
      if (override.resource == resource) return &override;
      for (const HandlerAccess* access : {&a, &b}) {
        const std::vector<std::string>& selectors = access->path.selectors;
        if (access->path.base == BaseKind::kGlobal &&
            override.resource == access->path.name &&
            !DereferencesFrom(selectors, 0)) {
          return &override;
        }
        for (size_t i = 0; i < selectors.size(); ++i) {
          const std::string& selector = selectors[i];
          if (!IsSelectorField(selector) ||
              DereferencesFrom(selectors, i + 1)) {
            continue;
          }
          if (override.resource == selector ||
              override.resource == FieldName(selector)) {
            return &override;
          }
        }
      }
    }
    return nullptr;
  }

  using ConflictKey = std::tuple<int, std::string>;  // kind, resource

  // Records why (a, b) conflict; returns true when the conflict sets its bit
  // (the programmer did not remove it). Conflicts are kept one per (kind,
  // resource), but a removed one never hides an active one with the same key:
  // an override removes only conflicts on its own resource.
  // `named`: the resource as reported, when the two accesses name different
  // memory that may be the same (an alias).
  bool Record(const HandlerAccess& a, const HandlerAccess& b,
              prism::v1::ConflictKind kind,
              std::map<ConflictKey, prism::v1::Conflict>* conflicts,
              const std::string* named = nullptr) {
    std::string resource;
    if (named != nullptr) {
      resource = *named;
    } else if (a.unknown || b.unknown) {
      resource = a.unknown ? a.resource : b.resource;
    } else {
      resource = a.path.selectors.size() >= b.path.selectors.size()
                     ? a.resource
                     : b.resource;
    }
    Override scratch;
    const Override* override = FindOverride(a, b, resource, &scratch);
    auto [it, inserted] = conflicts->try_emplace(ConflictKey{kind, resource});
    prism::v1::Conflict& conflict = it->second;
    if (!inserted) {
      if (override != nullptr || !conflict.removed_by_programmer()) {
        return override == nullptr;
      }
      conflict.Clear();  // An active reason replaces a removed one.
    }
    conflict.set_kind(kind);
    conflict.set_resource(resource);
    auto site = [](const HandlerAccess& access, prism::v1::AccessSite* out) {
      *out->mutable_location() = access.location;
      out->set_access(access.write ? prism::v1::ACCESS_KIND_WRITE
                                   : prism::v1::ACCESS_KIND_READ);
      for (const std::string& step : access.via) out->add_via(step);
    };
    site(a, conflict.mutable_a_site());
    site(b, conflict.mutable_b_site());
    conflict.set_atomic_only(a.atomic && b.atomic);
    if (override != nullptr) {
      conflict.set_removed_by_programmer(true);
      conflict.set_removal_reason(override->reason);
      *conflict.mutable_removal_declared_at() = override->declared_at;
      return false;
    }
    ++active_[kind];
    return true;
  }

  // Enough explanations of `kind` for the current pair: its bit is set and
  // the report lists at most kExplanationsPerPair of them anyway.
  bool Saturated(prism::v1::ConflictKind kind) {
    return active_[kind] >= kExplanationsPerPair;
  }

  void MatchGroups(
      const std::map<std::string, std::vector<HandlerAccess>>& a_groups,
      const std::map<std::string, std::vector<HandlerAccess>>& b_groups,
      prism::v1::ConflictKind kind,
      std::map<ConflictKey, prism::v1::Conflict>* conflicts) {
    for (const auto& [group, a_list] : a_groups) {
      auto it = b_groups.find(group);
      if (it == b_groups.end()) continue;
      for (const HandlerAccess& a : a_list) {
        if (Saturated(kind)) return;
        for (const HandlerAccess& b : it->second) {
          const bool overlap =
              kind == prism::v1::CONFLICT_KIND_CONTEXT
                  ? ContextSelectorsOverlap(a.path.selectors, b.path.selectors)
                  : SelectorsOverlap(a.path.selectors, b.path.selectors);
          if ((a.write || b.write) && overlap) {
            Record(a, b, kind, conflicts);
          }
        }
      }
    }
  }

  // An access through a global pointer (g_p->x) may reach any global whose
  // address is taken (g_p = &g_s, or `struct s *g_p = &g_s;`) and anything
  // another global pointer reaches: the part below the last dereference must
  // overlap some part of the other access's path (fields are qualified by
  // their record, so g_p->x and g_s.y never do).
  static bool ThroughPointer(const HandlerAccess& access) {
    return access.path.base == BaseKind::kGlobal &&
           std::find(access.path.selectors.begin(), access.path.selectors.end(),
                     "*") != access.path.selectors.end();
  }
  static bool MayReach(const HandlerAccess& pointer,
                       const HandlerAccess& other) {
    const std::vector<std::string>& selectors = pointer.path.selectors;
    auto last = std::find(selectors.rbegin(), selectors.rend(), "*");
    const std::vector<std::string> tail(last.base(), selectors.end());
    const std::vector<std::string>& target = other.path.selectors;
    for (size_t k = 0; k <= target.size(); ++k) {
      const std::vector<std::string> part(target.begin() + k, target.end());
      if (SelectorsOverlap(tail, part)) return true;
    }
    return false;
  }
  bool MayAlias(const HandlerAccess& a, const HandlerAccess& b) const {
    if (a.path.base != BaseKind::kGlobal || b.path.base != BaseKind::kGlobal)
      return false;
    if (a.group == b.group) return false;  // MatchGroups compares those.
    const bool a_pointer = ThroughPointer(a), b_pointer = ThroughPointer(b);
    if (a_pointer && (b_pointer || program_.GlobalAddressTaken(b.path.key)) &&
        MayReach(a, b)) {
      return true;
    }
    return b_pointer &&
           (a_pointer || program_.GlobalAddressTaken(a.path.key)) &&
           MayReach(b, a);
  }
  void MatchAliases(const HandlerAccesses& a, const HandlerAccesses& b,
                    std::map<ConflictKey, prism::v1::Conflict>* conflicts) {
    for (const HandlerAccess* x : a.all_global) {
      for (const HandlerAccess* y : b.all_global) {
        if (Saturated(prism::v1::CONFLICT_KIND_GLOBAL)) return;
        if ((x->write || y->write) && MayAlias(*x, *y)) {
          // Named after the memory reached through a pointer, with what it
          // may be: "*g_cache[] (may be g_stats.connections)".
          const bool x_pointer = ThroughPointer(*x);
          const HandlerAccess& pointer = x_pointer ? *x : *y;
          const HandlerAccess& other = x_pointer ? *y : *x;
          const std::string resource =
              absl::StrCat(pointer.resource, " (may be ", other.resource, ")");
          Record(*x, *y, prism::v1::CONFLICT_KIND_GLOBAL, conflicts, &resource);
        }
      }
    }
  }

  void PairConflicts(size_t i, size_t j, const HandlerAccesses& a,
                     const HandlerAccesses& b, AnalysisResult* result,
                     std::string* cells) {
    std::map<ConflictKey, prism::v1::Conflict> conflicts;
    active_.clear();
    MatchGroups(a.global_groups, b.global_groups,
                prism::v1::CONFLICT_KIND_GLOBAL, &conflicts);
    // <unknown> (and escaped context) accesses overlap every global resource.
    auto match_unknown = [&](const std::vector<HandlerAccess>& unknown,
                             const std::vector<const HandlerAccess*>& others,
                             bool unknown_is_a) {
      std::set<std::string> done;
      for (const HandlerAccess& u : unknown) {
        if (Saturated(prism::v1::CONFLICT_KIND_GLOBAL)) return;
        if (done.count(u.resource)) continue;
        for (const HandlerAccess* other : others) {
          if (!u.write && !other->write) continue;
          const bool active =
              unknown_is_a ? Record(u, *other, prism::v1::CONFLICT_KIND_GLOBAL,
                                    &conflicts)
                           : Record(*other, u, prism::v1::CONFLICT_KIND_GLOBAL,
                                    &conflicts);
          // One active reason per unknown resource is enough; a removed one
          // is not: keep looking for an access the override does not cover.
          if (active) {
            done.insert(u.resource);
            break;
          }
        }
      }
    };
    match_unknown(a.unknown, b.all_global, true);
    match_unknown(b.unknown, a.all_global, false);
    MatchAliases(a, b, &conflicts);
    // <unknown> memory may also be any handler's context, whichever context
    // that handler runs on: a global conflict with every context access.
    std::vector<const HandlerAccess*> a_context, b_context;
    for (const auto& [role, accesses] : a.context_groups) {
      for (const HandlerAccess& access : accesses) a_context.push_back(&access);
    }
    for (const auto& [role, accesses] : b.context_groups) {
      for (const HandlerAccess& access : accesses) b_context.push_back(&access);
    }
    match_unknown(a.unknown, b_context, true);
    match_unknown(b.unknown, a_context, false);
    MatchGroups(a.context_groups, b.context_groups,
                prism::v1::CONFLICT_KIND_CONTEXT, &conflicts);
    const size_t n = result->handlers_size();
    std::map<std::pair<int, bool>, int>
        shown;  // (kind, removed) -> explanations kept
    for (auto& [key, conflict] : conflicts) {
      conflict.set_a(static_cast<uint32_t>(i));
      conflict.set_b(static_cast<uint32_t>(j));
      if (!conflict.removed_by_programmer()) {
        const char bit =
            conflict.kind() == prism::v1::CONFLICT_KIND_GLOBAL ? 1 : 2;
        (*cells)[i * n + j] |= bit;
        (*cells)[j * n + i] |= bit;
      }
      // Every set bit keeps at least one explanation; beyond a few per pair and
      // kind the report would drown the reader (linked structures yield one
      // resource per path).
      int& count = shown[{conflict.kind(), conflict.removed_by_programmer()}];
      if (count >= kExplanationsPerPair) {
        ++omitted_;
        continue;
      }
      ++count;
      *result->add_conflicts() = std::move(conflict);
    }
  }

  static constexpr int kExplanationsPerPair = 8;
  const AnalysisOptions& options_;
  LinkedProgram program_;
  size_t omitted_ = 0;
  // By kind ("1|" thread-local use, "2|" unscheduled registration), handler
  // and what.
  std::map<std::string, prism::v1::Diagnostic> serial_reasons_;
  // Callbacks the registration does not name, resolved by their type.
  std::map<std::string, prism::v1::Diagnostic> resolved_by_type_;
  std::map<int, int> active_;  // Kind -> conflicts kept for the current pair.
  // Field name -> the declaration whose PRISM_NO_CONFLICT covers it.
  std::map<std::string, const prism::v1::Declaration*> field_overrides_;
  std::map<std::string, const prism::v1::Declaration*> bare_field_overrides_;
  std::map<std::string, HandlerInfo> handlers_;
  std::map<std::string, std::set<std::vector<std::string>>> escapes_;
  std::set<std::string> context_objects_;
  std::map<std::pair<const HandlerInfo*, int>, ParameterBinding> bindings_;
  std::map<std::string, prism::v1::Diagnostic> unresolved_;
};

}  // namespace

absl::StatusOr<std::vector<Override>> ParseOverrides(
    absl::string_view text, absl::string_view file_name) {
  std::vector<Override> overrides;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    const size_t colon = line.find(": ");
    const size_t end_colon =
        line.size() > 0 && line.back() == ':' ? line.size() - 1 : line.npos;
    const size_t split = colon != line.npos ? colon : end_colon;
    Override override;
    if (split != line.npos) {
      override.resource =
          std::string(absl::StripAsciiWhitespace(line.substr(0, split)));
      override.reason =
          std::string(absl::StripAsciiWhitespace(line.substr(split + 1)));
    }
    if (override.resource.empty() || override.reason.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number,
                       ": want 'resource: reason' (a resource and why its "
                       "conflicts are safe)"));
    }
    override.declared_at.set_file(std::string(file_name));
    override.declared_at.set_line(line_number);
    override.declared_at.set_column(1);
    overrides.push_back(std::move(override));
  }
  return overrides;
}

absl::StatusOr<AnalysisResult> Analyze(
    const std::vector<prism::v1::TranslationUnitSummary>& summaries,
    const AnalysisOptions& options) {
  Analysis analysis(summaries, options);
  return analysis.Run();
}

prism::v1::ConstraintSet BuildConstraintSet(const AnalysisResult& result,
                                            const std::string& build_id) {
  prism::v1::ConstraintSet set;
  set.set_format_version(1);
  set.set_program(result.program());
  set.set_build_id(build_id);
  *set.mutable_handlers() = result.handlers();
  *set.mutable_matrix() = result.matrix();
  set.set_complete(result.complete());
  *set.mutable_serial_reasons() = result.serial_reasons();
  *set.mutable_incomplete_reasons() = result.incomplete_reasons();
  // Hue: connected components of the global-conflict graph, numbered in handler
  // order.
  const size_t n = result.handlers_size();
  std::vector<int> hue(n, -1);
  int next_hue = 0;
  for (size_t start = 0; start < n; ++start) {
    if (hue[start] >= 0) continue;
    std::vector<size_t> stack = {start};
    hue[start] = next_hue;
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      for (size_t j = 0; j < n; ++j) {
        const size_t cell = i * n + j;
        if (hue[j] < 0 && cell < result.matrix().cells().size() &&
            (result.matrix().cells()[cell] & 1)) {
          hue[j] = next_hue;
          stack.push_back(j);
        }
      }
    }
    ++next_hue;
  }
  for (int h : hue) set.add_hue(static_cast<uint32_t>(h));
  return set;
}

}  // namespace prism::analyzer
