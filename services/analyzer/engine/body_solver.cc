// One function body in the link step (LinkedProgram::BodySolver): resolves
// the values of its calls (returned values, escaped locals), instantiates its
// callees' effects, stores and returns at each call, applies library models,
// and contributes all of it to the function's summary.
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
#include "services/analyzer/engine/hand_over.h"
#include "services/analyzer/engine/link.h"
#include "services/analyzer/engine/registration_api.h"
#include "services/analyzer/engine/summary_builder.h"

namespace prism::analyzer {

using prism::v1::Function;

// Resolves one body's values (returned values of its calls) and contributes its
// effects.
class LinkedProgram::BodySolver {
 public:
  BodySolver(const LinkedProgram* program, const FunctionNode& function,
             const Function& body)
      : program_(program), function_(function), body_(body) {
    for (const prism::v1::Call& call : body.calls())
      calls_[call.index()] = &call;
  }

  // Each value once: values reach an argument along many paths (a local
  // assigned in many places, calls returning their arguments), and every
  // copy would be instantiated again by each callee.
  std::vector<Value> Resolve(const prism::v1::ArgumentValue& argument) {
    std::vector<Value> out;
    for (const Value& value : ValuesFromProto(argument))
      ResolveValue(value, &out);
    return Distinct(std::move(out));
  }

  // Values of one identity are merged; a dereference one of them absorbed
  // (Path::absorbed_dereference, not part of the identity) is kept.
  static std::vector<Value> Distinct(std::vector<Value> values) {
    if (values.size() < 2) return values;
    std::map<std::string, size_t> seen;
    std::vector<Value> out;
    out.reserve(values.size());
    for (Value& value : values) {
      auto [it, inserted] = seen.try_emplace(value.Key(), out.size());
      if (inserted) {
        out.push_back(std::move(value));
      } else if (value.path.absorbed_dereference) {
        out[it->second].path.absorbed_dereference = true;
      }
    }
    return out;
  }

  void ResolveValue(const Value& value, std::vector<Value>* out) {
    if (value.kind == Value::Kind::kFunction ||
        value.kind == Value::Kind::kUnknown ||
        (value.path.base != BaseKind::kReturn &&
         value.path.base != BaseKind::kEscapedLocal) ||
        (value.path.base == BaseKind::kEscapedLocal && collecting_locals_)) {
      out->push_back(value);
      return;
    }
    if (!value.within.empty()) {  // Resolved, then placed where it was held.
      Value bare = value;
      bare.within.clear();
      std::vector<Value> resolved;
      ResolveValue(bare, &resolved);
      for (Value& one : resolved) {
        one.within.insert(one.within.begin(), value.within.begin(),
                          value.within.end());
        out->push_back(std::move(one));
      }
      return;
    }
    const std::vector<Value>& returned =
        value.path.base == BaseKind::kEscapedLocal
            ? LocalContents(value.path.key)
            : CallReturns(value.path.index);
    if (value.kind == Value::Kind::kLoadedFrom) {
      ValuesThrough(returned, value.path.selectors, out, value.path.truncated);
      return;
    }
    // Address of something reached from the returned value.
    if (!HasDereference(value.path.selectors)) {
      out->push_back(FreshValue("<temporary>"));
      return;
    }
    AddressesThrough(returned, value.path.selectors, out, value.path.truncated);
  }

  std::vector<Path> ResolvePath(const Path& path) {
    std::vector<Path> out;
    if (path.base == BaseKind::kEscapedLocal) {
      PathsThrough(LocalContents(path.key), path.selectors, &out,
                   path.truncated);
      return out;
    }
    if (path.base != BaseKind::kReturn) {
      out.push_back(path);
      return out;
    }
    PathsThrough(CallReturns(path.index), path.selectors, &out, path.truncated);
    return out;
  }

  // What the local `key` (BASE_ESCAPED_LOCAL) may hold as stored by the calls
  // it was handed to, each value at its place in the local: callee pointer
  // stores into it, instantiated; unknown where the callee's code is not
  // known (library code that writes through the argument, unknown code, a
  // call with too many targets to follow). Values it loads from other such
  // locals are followed; from itself, they add nothing new.
  const std::vector<Value>& LocalContents(const std::string& key) {
    CollectLocalStores();
    static const std::vector<Value>* const kNone = new std::vector<Value>();
    auto it = local_contents_.find(key);
    return it == local_contents_.end() ? *kNone : it->second;
  }

  void Contribute(Solved* out) {
    const ViaPtr here = MakeVia(function_.name, nullptr);
    // Each access and call contributes through a scratch summary, so that
    // what it does to objects the body hands over is seen with its place in
    // the body (hand_over.h).
    HandOverTracker tracker(body_);
    // Effects on allocated memory, followed through the pointers it holds
    // once every store is known (FollowHeldPointers).
    std::vector<Effect> fresh;
    auto keep_fresh = [&fresh](const Solved& scratch) {
      for (const auto& [key, effect] : scratch.fresh) fresh.push_back(effect);
    };
    for (const prism::v1::Access& access : body_.accesses()) {
      Solved scratch;
      for (const Path& path : ResolvePath(PathFromProto(access.path()))) {
        AddEffect(&scratch, path, access.kind() == prism::v1::ACCESS_KIND_WRITE,
                  access.atomic(), access.location(), here, access.bytes_only(),
                  access.dereferences_below(), access.designated_type());
      }
      tracker.AddEffects(scratch, access.order(), -1);
      keep_fresh(scratch);
      MergeSummary(scratch, out);
    }
    for (const prism::v1::PointerStore& store : body_.stores()) {
      std::vector<Value> values = Resolve(store.value());
      for (const Path& target : ResolvePath(PathFromProto(store.target()))) {
        for (const Value& value : values)
          AddStore(out, target, value, store.location(), here);
      }
    }
    for (const prism::v1::Call& call : body_.calls()) {
      Solved scratch;
      ContributeCall(call, &scratch, &tracker, &out->unknown_callees);
      tracker.AddEffects(scratch, call.order(), static_cast<int>(call.index()));
      keep_fresh(scratch);
      MergeSummary(scratch, out);
    }
    FollowHeldPointers(fresh, OwnObjects(), out);
    for (const Value& value : Resolve(body_.returns())) AddReturn(out, value);
    tracker.Finish(out->stores, out);
  }

 private:
  // The locals and allocations the body's front-end summary names itself
  // (BASE_FRESH), as opposed to objects its callees made.
  std::set<std::string> OwnObjects() const {
    std::set<std::string> own;
    auto note_path = [&own](const prism::v1::MemoryPath& path) {
      if (path.base() == prism::v1::MemoryPath::BASE_FRESH)
        own.insert(PathFromProto(path).key);
    };
    auto note_value = [&note_path](const prism::v1::ArgumentValue& value) {
      for (const prism::v1::ValueSource& source : value.sources()) {
        if (source.has_address_of()) note_path(source.address_of());
        if (source.has_loaded_from()) note_path(source.loaded_from());
      }
    };
    for (const prism::v1::Access& access : body_.accesses())
      note_path(access.path());
    for (const prism::v1::PointerStore& store : body_.stores()) {
      note_path(store.target());
      note_value(store.value());
    }
    for (const prism::v1::Call& call : body_.calls()) {
      for (const prism::v1::ArgumentValue& argument : call.arguments())
        note_value(argument);
      note_value(call.this_argument());
    }
    note_value(body_.returns());
    return own;
  }

  Value FreshValue(const std::string& site) {
    Value value;
    value.kind = Value::Kind::kAddressOf;
    value.path.base = BaseKind::kFresh;
    value.path.key = site;
    value.path.name = "<fresh>";
    return value;
  }

  void Arguments(const prism::v1::Call& call,
                 std::vector<std::vector<Value>>* arguments,
                 std::vector<Value>* this_argument) {
    for (const prism::v1::ArgumentValue& argument : call.arguments()) {
      arguments->push_back(Resolve(argument));
    }
    *this_argument = Resolve(call.this_argument());
  }

  const std::vector<Value>& CallReturns(uint32_t index) {
    static const std::vector<Value>* const kNone = new std::vector<Value>();
    if (auto it = returns_.find(index); it != returns_.end()) return it->second;
    auto call_it = calls_.find(index);
    if (call_it == calls_.end() || !in_progress_.insert(index).second)
      return *kNone;
    const prism::v1::Call& call = *call_it->second;
    std::vector<std::vector<Value>> arguments;
    std::vector<Value> this_argument;
    Arguments(call, &arguments, &this_argument);
    std::vector<Value> out;
    for (const CallTarget& target : program_->TargetsOf(call)) {
      if (target.called_back) continue;  // Returns to the library, not here.
      if (target.function != nullptr) {
        for (const auto& [key, value] :
             program_->SolvedFor(target.function->usr).returns) {
          std::vector<Value> instantiated =
              InstantiateValue(value, arguments, this_argument);
          out.insert(out.end(), instantiated.begin(), instantiated.end());
        }
      } else if (target.model != nullptr) {
        const FunctionModel& model = *target.model;
        switch (model.returns) {
          case FunctionModel::Returns::kNone:
            break;
          case FunctionModel::Returns::kFresh:
            out.push_back(FreshValue(absl::StrCat(function_.usr, "#", index)));
            break;
          case FunctionModel::Returns::kUnknown:
            out.push_back(UnknownValue());
            break;
          case FunctionModel::Returns::kArgument:
            if (static_cast<size_t>(model.returns_argument) <
                arguments.size()) {
              const std::vector<Value>& argument =
                  arguments[model.returns_argument];
              out.insert(out.end(), argument.begin(), argument.end());
            }
            break;
          case FunctionModel::Returns::kHiddenState: {
            Value value;
            value.kind = Value::Kind::kAddressOf;
            value.path.base = BaseKind::kHiddenState;
            value.path.key = model.returns_hidden;
            value.path.name = model.returns_hidden;
            out.push_back(std::move(value));
            break;
          }
        }
      } else {
        out.push_back(UnknownValue());
      }
    }
    in_progress_.erase(index);
    return returns_[index] = Distinct(std::move(out));
  }

  // What a registration API call hands to the handlers it registers: the
  // context, the values passed to the callbacks, the object it returns
  // (registration_apis.txt).
  void NoteRegistration(const prism::v1::Call& call,
                        const std::vector<std::vector<Value>>& arguments,
                        HandOverTracker* tracker) {
    const RegistrationApiTable& apis = BuiltinRegistrationApis();
    auto api = apis.find(call.callee_name());
    if (api == apis.end()) return;
    auto argument = [&](int position) {
      static const std::vector<Value>* const kNone = new std::vector<Value>();
      return position < 0 || static_cast<size_t>(position) >= arguments.size()
                 ? *kNone
                 : arguments[position];
    };
    auto hand = [&](const Value& object, const Value& callback, int parameter) {
      tracker->AddHandOver(
          HandOver{object, object, false, Path(), callback, parameter},
          call.order(), static_cast<int>(call.index()));
    };
    for (const CallbackSlot& slot : api->second.callbacks) {
      // No pointer (NULL): no callback in that slot.
      for (const Value& callback : argument(slot.argument)) {
        for (const Value& context : argument(api->second.context_argument))
          hand(context, callback, slot.context_parameter);
        for (const PassedParameter& pass : api->second.passes) {
          if (pass.argument == PassedParameter::kShared) continue;
          const std::vector<Value>& passed =
              pass.argument == PassedParameter::kReturned
                  ? CallReturns(call.index())
                  : argument(pass.argument);
          for (const Value& value : passed)
            hand(value, callback, pass.parameter);
        }
      }
    }
  }

  // `unknown_callees`: the names of what it calls without a body or a model.
  void ContributeCall(const prism::v1::Call& call, Solved* out,
                      HandOverTracker* tracker,
                      std::set<std::string>* unknown_callees) {
    std::vector<std::vector<Value>> arguments;
    std::vector<Value> this_argument;
    Arguments(call, &arguments, &this_argument);
    const ViaPtr here = MakeVia(function_.name, nullptr);
    const std::vector<CallTarget> targets = program_->TargetsOf(call);
    // An indirect call with many possible targets (an event loop dispatching
    // callbacks): their pointer stores are summarized conservatively instead
    // of one by one — every pointer argument may be kept in unknown memory,
    // and unknown pointers may be stored wherever the arguments point.
    const bool summarize_stores = targets.size() > kMaxTargetsWithStores;
    if (summarize_stores) {
      const std::vector<std::string> whole = {"*"};
      Value unknown = UnknownValue();
      for (const std::vector<Value>& argument : arguments) {
        std::vector<Path> paths;
        PathsThrough(argument, whole, &paths, /*truncated=*/true);
        for (const Path& path : paths) {
          AddStore(out, path, unknown, call.location(), here);
        }
        for (const Value& value : argument) {
          AddStore(out, UnknownPath(), value, call.location(), here);
        }
      }
    }
    bool has_body = false;
    for (const CallTarget& target : targets)
      has_body =
          has_body || (target.function != nullptr && !target.called_back);
    if (!has_body) NoteRegistration(call, arguments, tracker);
    // Library code calls a callback with arguments of its own: unknown ones.
    const std::vector<Value> unknown_value = {UnknownValue()};
    for (const CallTarget& target : targets) {
      if (target.function != nullptr) {
        const Solved& callee = program_->SolvedFor(target.function->usr);
        const std::vector<std::vector<Value>> unknown_arguments(
            target.called_back ? target.function->parameter_count : 0,
            unknown_value);
        const std::vector<std::vector<Value>>& callee_arguments =
            target.called_back ? unknown_arguments : arguments;
        const std::vector<Value>& callee_this =
            target.called_back ? unknown_value : this_argument;
        for (const auto& [key, effect] : callee.effects) {
          if (IsPassedFormat(effect.path)) {  // The format is this call's.
            FormatWrites(!target.called_back &&
                             effect.path.index < call.arguments_size() &&
                             call.arguments(effect.path.index)
                                 .literal_without_percent_n(),
                         effect.path.index, callee_arguments, effect.location,
                         MakeVia(function_.name, effect.via), out);
            continue;
          }
          for (const Path& path :
               InstantiatePath(effect.path, callee_arguments, callee_this,
                               effect.bytes_only)) {
            AddEffect(out, path, effect.write, effect.atomic, effect.location,
                      MakeVia(function_.name, effect.via), effect.bytes_only,
                      effect.dereferences_below && path.truncated,
                      effect.designated_type);
          }
          // The callee released its integer parameter: what this call's
          // argument was read from.
          if (!target.called_back && IsReleasedNumber(effect.path) &&
              effect.path.index < call.arguments_size()) {
            for (const prism::v1::MemoryPath& from :
                 call.arguments(effect.path.index).integer_loaded_from()) {
              for (const Path& path : ResolvePath(PathFromProto(from))) {
                AddRelease(out, path, effect.location,
                           MakeVia(function_.name, effect.via));
              }
            }
          }
        }
        if (!target.called_back) {
          // What the callee hands to registrations, and what it does to it
          // afterwards (hand_over.h).
          for (const auto& [key, handed] : callee.handed_over) {
            for (HandOver& one :
                 InstantiateHandOver(handed, arguments, this_argument)) {
              tracker->AddHandOver(std::move(one), call.order(),
                                   static_cast<int>(call.index()));
            }
          }
          for (const auto& [key, handed] : callee.after_handover) {
            InstantiateHandedEffect(handed, arguments, this_argument,
                                    MakeVia(function_.name, handed.effect.via),
                                    out);
          }
        }
        if (summarize_stores) continue;
        for (const auto& [key, store] : callee.stores) {
          std::vector<Value> values =
              InstantiateValue(store.value, callee_arguments, callee_this);
          std::vector<Path> paths =
              InstantiatePath(store.target, callee_arguments, callee_this);
          if (paths.size() * values.size() > kMaxStoresPerCalleeStore) {
            WholeObjects(&paths, &values);
          }
          for (const Path& path : paths) {
            for (const Value& value : values) {
              AddStore(out, path, value, store.location,
                       MakeVia(function_.name, store.via));
            }
          }
        }
        continue;
      }
      const std::string callee_name =
          target.model != nullptr ? target.model->name : target.unknown_name;
      const ViaPtr via = MakeVia(function_.name, MakeVia(callee_name, nullptr));
      const std::vector<std::string> whole = {"*"};
      if (target.model != nullptr) {
        const FunctionModel& model = *target.model;
        // printf-like: `%n` writes through an argument unless the format is
        // a literal without it (library_models.h).
        const bool literal_format =
            model.format >= 0 && model.format < call.arguments_size() &&
            call.arguments(model.format).literal_without_percent_n();
        if (model.FormatMayWriteUnknown(literal_format)) {
          FormatWrites(literal_format, model.format, arguments, call.location(),
                       via, out);
        }
        // A descriptor's life ends (close(c->fd)): a write of what its number
        // was read from, so handlers still using it conflict.
        for (int i = 0; i < call.arguments_size(); ++i) {
          if (!model.releases.Contains(i)) continue;
          for (const prism::v1::MemoryPath& from :
               call.arguments(i).integer_loaded_from()) {
            for (const Path& path : ResolvePath(PathFromProto(from)))
              AddRelease(out, path, call.location(), via);
          }
        }
        // free(c): the object itself, not what its pointers reach.
        for (size_t i = 0; i < arguments.size(); ++i) {
          if (!model.frees.Contains(static_cast<int>(i))) continue;
          std::vector<Path> paths;
          PathsThrough(arguments[i], whole, &paths, /*truncated=*/false);
          for (const Path& path : paths)
            AddEffect(out, path, true, false, call.location(), via);
        }
        if (model.unknown != FunctionModel::Unknown::kNone) {  // fork
          AddEffect(out, UnknownPath(),
                    model.unknown == FunctionModel::Unknown::kWrite, false,
                    call.location(), via);
        }
        for (size_t i = 0; i < arguments.size(); ++i) {
          const bool write =
              model.writes.Contains(static_cast<int>(i)) ||
              model.FormatMayWrite(static_cast<int>(i), literal_format);
          if (!write && !model.reads.Contains(static_cast<int>(i))) continue;
          const bool locked = model.locked.Contains(static_cast<int>(i));
          // A stream whose pointers lead to the library's memory only: the
          // call touches the FILE object, through its members, an object
          // only the library makes (C 7.21.3p6: a copy need not serve as the
          // stream).
          std::string stream_type;
          if (locked && program_->streams_hold_library_memory_only() &&
              !model.deep.Contains(static_cast<int>(i)) &&
              i < static_cast<size_t>(call.arguments_size()) &&
              !call.arguments(i).parameter_designated_type().empty()) {
            stream_type = absl::StrCat(
                kLibraryMade, call.arguments(i).parameter_designated_type());
          }
          std::vector<Path> paths;
          PathsThrough(model.deep.Contains(static_cast<int>(i))
                           ? arguments[i]
                           : WithoutUnknownContents(arguments[i]),
                       whole, &paths, /*truncated=*/stream_type.empty());
          // A write that leaves no pointer of its own there (the model says
          // which it leaves, or the memory holds none): bytes, as for a local
          // (CollectLocalStores), so memory a callee allocated keeps what was
          // stored in it (FollowHeldPointers).
          const bool leaves_no_unknown_pointer =
              write && !model.deep.Contains(static_cast<int>(i)) &&
              (model.DescribesPointers(static_cast<int>(i)) ||
               (i < static_cast<size_t>(call.arguments_size()) &&
                call.arguments(i).pointee_without_pointers()));
          for (const Path& path : paths) {
            AddEffect(out, path, write, locked, call.location(), via,
                      leaves_no_unknown_pointer, false, stream_type);
          }
        }
        // Pointers copied as bytes (memcpy(&g_last, &arg, sizeof arg)): every
        // pointer held below the source may now be held below the
        // destination, which may be an escape.
        for (const auto& [destination, source] : model.copies) {
          if (static_cast<size_t>(destination) >= arguments.size() ||
              static_cast<size_t>(source) >= arguments.size()) {
            continue;
          }
          // Bytes of memory that holds no pointer (a char array) carry none.
          if (source < call.arguments_size() &&
              call.arguments(source).pointee_without_pointers()) {
            continue;
          }
          std::vector<Value> values;
          ValuesThrough(arguments[source], whole, &values, /*truncated=*/true);
          std::vector<Path> paths;
          PathsThrough(arguments[destination], whole, &paths,
                       /*truncated=*/true);
          for (const Path& path : paths) {
            for (const Value& value : values) {
              AddStore(out, path, value, call.location(), via);
            }
          }
        }
        for (const FunctionModel::Hidden& hidden : model.hidden) {
          Path path;
          path.base = BaseKind::kHiddenState;
          path.key = hidden.name;
          path.name = hidden.name;
          AddEffect(out, path, hidden.write, hidden.locked, call.location(),
                    via);
        }
        // Pointers the call may keep anywhere (a new thread's argument).
        for (size_t i = 0; i < arguments.size(); ++i) {
          if (!model.keeps.Contains(static_cast<int>(i))) continue;
          for (const Value& value : arguments[i]) {
            AddStore(out, UnknownPath(), value, call.location(), via);
          }
        }
        continue;
      }
      // No body and no model: reads and writes everything reachable from its
      // arguments, may keep them (escape), and touches the global <unknown>
      // resource (README.md).
      unknown_callees->insert(target.unknown_name);
      for (const std::vector<Value>& argument : arguments) {
        std::vector<Path> paths;
        PathsThrough(argument, whole, &paths, /*truncated=*/true);
        for (const Path& path : paths)
          AddEffect(out, path, true, false, call.location(), via);
        for (const Value& value : argument) {
          AddStore(out, UnknownPath(), value, call.location(), via);
        }
      }
      AddEffect(out, UnknownPath(), true, false, call.location(), via);
    }
  }

  void CollectLocalStores() {
    if (locals_collected_) return;
    locals_collected_ = true;
    collecting_locals_ = true;  // Escaped locals stay unresolved meanwhile.
    std::map<std::string, std::vector<Value>> stored;
    // `values`, somewhere in each local `argument` points to (and, with
    // `nested`, in locals that local points to).
    auto store_through = [&](const std::vector<Value>& argument,
                             const std::vector<Value>& values, bool nested) {
      for (const Value& into : argument) {
        if (into.kind != Value::Kind::kAddressOf ||
            into.path.base != BaseKind::kFresh ||
            (!nested && !into.within.empty())) {
          continue;
        }
        for (const Value& value : values) {
          stored[into.path.key].push_back(Placed(value, {within::kAnyPlace}));
        }
      }
    };
    const std::vector<Value> unknown = {UnknownValue()};
    for (const prism::v1::Call& call : body_.calls()) {
      std::vector<std::vector<Value>> arguments;
      std::vector<Value> this_argument;
      Arguments(call, &arguments, &this_argument);
      const std::vector<CallTarget> targets = program_->TargetsOf(call);
      const bool too_many = targets.size() > kMaxTargetsWithStores;
      for (const CallTarget& target : targets) {
        if (target.called_back) continue;  // Called with arguments of its own.
        if (target.function != nullptr && !too_many) {
          const Solved& callee = program_->SolvedFor(target.function->usr);
          for (const auto& [store_key, store] : callee.stores) {
            std::vector<Value> values =
                InstantiateValue(store.value, arguments, this_argument);
            for (const Path& path :
                 InstantiatePath(store.target, arguments, this_argument)) {
              if (path.base != BaseKind::kFresh) continue;
              std::vector<std::string> place = path.selectors;
              if (path.truncated) place.push_back(within::kAnyPlace);
              for (const Value& value : values) {
                std::vector<std::string> at = place;
                at.insert(at.end(), value.within.begin(), value.within.end());
                stored[path.key].push_back(Placed(value, std::move(at)));
              }
            }
          }
          continue;
        }
        const FunctionModel* model = target.model;
        if (model == nullptr || too_many) {  // Anything.
          for (const std::vector<Value>& argument : arguments)
            store_through(argument, unknown, /*nested=*/true);
          store_through(this_argument, unknown, /*nested=*/true);
          continue;
        }
        // Library code stores pointers only where its model says so.
        for (const FunctionModel::PointerStore& store : model->stores) {
          if (static_cast<size_t>(store.into) >= arguments.size()) continue;
          std::vector<Value> values;
          switch (store.kind) {
            case FunctionModel::PointerStore::Kind::kUnknown:
              values.push_back(UnknownValue());
              break;
            case FunctionModel::PointerStore::Kind::kArgument:
              if (static_cast<size_t>(store.from) < arguments.size()) {
                for (const Value& value : arguments[store.from]) {
                  if (value.within.empty()) values.push_back(value);
                }
              }
              break;
            case FunctionModel::PointerStore::Kind::kFresh:
              values.push_back(FreshValue(absl::StrCat(
                  function_.usr, "#", call.index(), ":", store.into)));
              break;
            case FunctionModel::PointerStore::Kind::kSame:
              break;
          }
          store_through(arguments[store.into], values, /*nested=*/false);
        }
        // A library call writing memory that may hold pointers writes bytes
        // of its own into it (read(fd, &p, sizeof p)): pointers held there
        // are unknown afterwards, unless the model says the call keeps them.
        for (size_t i = 0; i < arguments.size(); ++i) {
          const int position = static_cast<int>(i);
          if (!model->writes.Contains(position) ||
              model->DescribesPointers(position) ||
              (position < call.arguments_size() &&
               call.arguments(position).pointee_without_pointers())) {
            continue;
          }
          store_through(arguments[i], unknown, /*nested=*/true);
        }
        // copies=: the pointers the source holds (memcpy into a local).
        for (const auto& [destination, source] : model->copies) {
          if (static_cast<size_t>(destination) >= arguments.size() ||
              static_cast<size_t>(source) >= arguments.size() ||
              call.arguments(source).pointee_without_pointers()) {
            continue;
          }
          std::vector<Value> copied;
          ValuesThrough(arguments[source], {"*"}, &copied, /*truncated=*/true);
          store_through(arguments[destination], copied, /*nested=*/false);
        }
      }
    }
    returns_.clear();  // Computed meanwhile with escaped locals unresolved.
    collecting_locals_ = false;
    // What each local holds, with values loaded from escaped locals replaced
    // by what those hold: a fixpoint (locals may be stored into each other),
    // bounded; should it not settle, every such local may hold anything.
    std::map<std::string, std::map<std::string, Value>> contents;
    std::set<std::string> saturated;  // Past kMaxLocalValues: anything.
    const Value anything = Placed(UnknownValue(), {within::kAnyPlace});
    bool changed = true;
    constexpr int kMaxRounds = 6;
    for (int round = 0; changed && round < kMaxRounds; ++round) {
      changed = false;
      for (const auto& [key, values] : stored) {
        if (saturated.count(key)) continue;
        std::map<std::string, Value>& held = contents[key];
        for (const Value& value : values) {
          std::vector<Value> reached;
          Follow(value, contents, &reached);
          for (Value& one : reached) {
            std::string value_key = one.Key();
            changed |=
                held.try_emplace(std::move(value_key), std::move(one)).second;
          }
          if (held.size() > kMaxLocalValues) {
            held.clear();
            held.emplace(anything.Key(), anything);
            saturated.insert(key);
            break;
          }
        }
      }
    }
    for (auto& [key, held] : contents) {
      std::vector<Value>& out = local_contents_[key];
      for (auto& [value_key, value] : held) out.push_back(std::move(value));
      if (changed) out.push_back(Placed(UnknownValue(), {within::kAnyPlace}));
    }
  }

  // `value` as stored into a local, with what it loads from an escaped local
  // replaced by what that local holds so far.
  static void Follow(
      const Value& value,
      const std::map<std::string, std::map<std::string, Value>>& contents,
      std::vector<Value>* out) {
    if (value.kind == Value::Kind::kFunction ||
        value.kind == Value::Kind::kUnknown ||
        value.path.base != BaseKind::kEscapedLocal) {
      out->push_back(value);
      return;
    }
    std::vector<Value> held;
    if (auto it = contents.find(value.path.key); it != contents.end()) {
      for (const auto& [key, one] : it->second) held.push_back(one);
    }
    std::vector<Value> reached;
    if (value.kind == Value::Kind::kLoadedFrom) {
      ValuesThrough(held, value.path.selectors, &reached, value.path.truncated);
    } else {
      AddressesThrough(held, value.path.selectors, &reached,
                       value.path.truncated);
    }
    for (Value& one : reached) {
      one.within.insert(one.within.begin(), value.within.begin(),
                        value.within.end());
      out->push_back(std::move(one));
    }
  }

  static Value Placed(Value value, std::vector<std::string> place) {
    value.within = std::move(place);
    return value;
  }

  const LinkedProgram* program_;
  const FunctionNode& function_;
  const Function& body_;
  std::map<uint32_t, const prism::v1::Call*> calls_;
  std::map<uint32_t, std::vector<Value>> returns_;
  std::set<uint32_t> in_progress_;
  bool locals_collected_ = false;
  bool collecting_locals_ = false;
  std::map<std::string, std::vector<Value>> local_contents_;
};

std::vector<CallArguments> LinkedProgram::ResolveCallArguments(
    const FunctionNode& function, const prism::v1::Function& body) const {
  BodySolver solver(this, function, body);
  std::vector<CallArguments> out;
  for (const prism::v1::Call& call : body.calls()) {
    CallArguments arguments;
    for (const prism::v1::ArgumentValue& argument : call.arguments()) {
      arguments.arguments.push_back(solver.Resolve(argument));
    }
    arguments.this_argument = solver.Resolve(call.this_argument());
    out.push_back(std::move(arguments));
  }
  return out;
}

std::vector<Value> LinkedProgram::ResolveValues(
    const FunctionNode& function, const prism::v1::Function& body,
    const prism::v1::ArgumentValue& argument) const {
  BodySolver solver(this, function, body);
  return solver.Resolve(argument);
}

void LinkedProgram::SolveFunction(const FunctionNode& function, Solved* out) {
  static const bool debug = std::getenv("PRISM_ENGINE_DEBUG") != nullptr;
  const auto start = std::chrono::steady_clock::now();
  for (const Function* body : function.bodies) {
    BodySolver solver(this, function, *body);
    solver.Contribute(out);
  }
  Widen(out);
  if (debug) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (seconds > 0.2) {
      std::fprintf(stderr,
                   "engine: slow solve %.2fs: %s effects %zu shared %zu stores "
                   "%zu returns %zu\n",
                   seconds, function.name.c_str(), out->effects.size(),
                   out->shared.size(), out->stores.size(), out->returns.size());
    }
  }
}

}  // namespace prism::analyzer
