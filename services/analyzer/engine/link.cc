#include "services/analyzer/engine/link.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/common/within.h"

namespace prism::analyzer {
namespace {

using prism::v1::Function;

// "ns::Conn::on_read" -> "on_read"; never empty.
std::string UnqualifiedName(const std::string& name) {
  const size_t colons = name.rfind("::");
  std::string out =
      colons == std::string::npos ? name : name.substr(colons + 2);
  return out.empty() ? name : out;
}

ViaPtr MakeVia(const std::string& function, ViaPtr next) {
  return std::make_shared<const Via>(Via{function, std::move(next)});
}

Path UnknownPath() {
  Path path;
  path.base = BaseKind::kUnknown;
  path.name = "<unknown>";
  return path;
}

Value UnknownValue() {
  Value value;
  value.kind = Value::Kind::kUnknown;
  value.path = UnknownPath();
  return value;
}

void AddEffect(Solved* out, const Path& accessed, bool write, bool atomic,
               const prism::v1::SourceLocation& location, const ViaPtr& via) {
  // An escaped local is resolved in its body (BodySolver); should one be left
  // over, it is unknown memory.
  const Path path =
      accessed.base == BaseKind::kEscapedLocal ? UnknownPath() : accessed;
  if (path.base == BaseKind::kFresh || path.base == BaseKind::kReturn) return;
  if (path.base == BaseKind::kParameter && !HasDereference(path.selectors))
    return;  // A local.
  std::string key = absl::StrCat(path.Key(), write ? "|W" : "|R");
  auto& map = path.IsShared() ? out->shared : out->effects;
  auto [it, inserted] = map.try_emplace(std::move(key));
  if (inserted) {
    it->second = Effect{path, write, atomic, location, via};
  } else {
    it->second.atomic = it->second.atomic && atomic;
  }
}

// A helper that releases its integer parameter (`drop(int fd) { close(fd); }`)
// records {PARAMETER k, ["*", kReleasedNumber]}; its callers write what their
// argument k was read from instead (library_models.h, releases=).
constexpr char kReleasedNumber[] = "<descriptor>";

bool IsReleasedNumber(const Path& path) {
  return path.base == BaseKind::kParameter && path.index >= 0 &&
         path.selectors.size() == 2 && path.selectors[1] == kReleasedNumber;
}

// A write of `path`, which a descriptor's number was read from; the parameter
// variable itself becomes the marker above.
void AddRelease(Solved* out, Path path,
                const prism::v1::SourceLocation& location, const ViaPtr& via) {
  if (path.base == BaseKind::kParameter && path.index >= 0 &&
      path.selectors.empty()) {
    path.selectors = {"*", kReleasedNumber};
  }
  AddEffect(out, path, true, false, location, via);
}

// A function that hands its parameter k to a va_list printf as the format
// (`log_msg(const char *fmt, ...) { ... vfprintf(f, fmt, ap); }`) records
// {PARAMETER k, ["*", kPassedFormat]}: at each call the format decides whether
// a `%n` writes through the arguments (FormatWrites).
constexpr char kPassedFormat[] = "<format>";

bool IsPassedFormat(const Path& path) {
  return path.base == BaseKind::kParameter && path.index >= 0 &&
         path.selectors.size() == 2 && path.selectors[1] == kPassedFormat;
}

// What `%n` may write at a call whose argument `format` is a printf format
// for the arguments after it or a va_list: nothing for a literal without %n
// (`literal`); otherwise every argument after the format, and what the
// format's own callers pass when it is the caller's parameter (the marker
// above), or unknown memory when it is anything else.
void FormatWrites(bool literal, int format,
                  const std::vector<std::vector<Value>>& arguments,
                  const prism::v1::SourceLocation& location, const ViaPtr& via,
                  Solved* out) {
  if (literal || format < 0 ||
      static_cast<size_t>(format) >= arguments.size()) {
    return;
  }
  const std::vector<std::string> whole = {"*"};
  for (size_t i = format + 1; i < arguments.size(); ++i) {
    std::vector<Path> paths;
    PathsThrough(arguments[i], whole, &paths, /*truncated=*/true);
    for (const Path& path : paths)
      AddEffect(out, path, true, false, location, via);
  }
  for (const Value& value : arguments[format]) {
    if (value.kind == Value::Kind::kLoadedFrom &&
        value.path.base == BaseKind::kParameter && value.path.index >= 0 &&
        value.path.selectors.empty() && !value.path.truncated) {
      Path marker = value.path;
      marker.selectors = {"*", kPassedFormat};
      AddEffect(out, marker, true, false, location, via);
    } else if (value.kind != Value::Kind::kFunction) {
      AddEffect(out, UnknownPath(), true, false, location, via);
    }
  }
}

bool ValueIsShared(const Value& value) {
  return value.kind == Value::Kind::kUnknown ||
         (value.kind != Value::Kind::kFunction && value.path.IsShared());
}

// Keeps only the stores that can matter for escapes (DESIGN.md: context
// pointers stored into global memory, global pointers stored into context
// memory), to bound summary size.
// A local variable or temporary of some function (the front-end names them
// by the variable, "<temporary at 12:3>"), as opposed to a heap object
// ("<malloc at 12:3>", a library's fresh result): it dies with its function,
// so nothing published keeps it.
bool IsFunctionLocalObject(const Path& path) {
  if (path.base != BaseKind::kFresh || !absl::StartsWith(path.key, "site:"))
    return false;
  const absl::string_view name = absl::string_view(path.key).substr(5);
  return name.empty() || name[0] != '<' ||
         absl::StartsWith(name, "<temporary") ||
         absl::StartsWith(name, "<constructed object");
}

void AddStore(Solved* out, const Path& target, const Value& stored,
              const prism::v1::SourceLocation& location, const ViaPtr& via) {
  if (stored.kind == Value::Kind::kFunction || target.base == BaseKind::kReturn)
    return;
  // What is stored into a local of the caller is followed in the caller's
  // body (BASE_ESCAPED_LOCAL), from the callee's stores into its parameters.
  if (IsFunctionLocalObject(target)) return;
  // What the stored pointer's target holds (within "*", ...) is not stored
  // here; a pointer held inside an aggregate stored at `target` is stored
  // below it: for escapes, that is a store into `target`.
  if (!stored.within.empty() && within::IsDereference(stored.within.front()))
    return;
  Value value = stored;
  value.within.clear();
  const bool value_shared = ValueIsShared(value);
  const bool value_local =
      !value_shared && (value.path.base == BaseKind::kParameter ||
                        value.path.base == BaseKind::kFresh);
  bool keep = false;
  if (target.IsShared()) {
    keep = value_local;
  } else if (target.base == BaseKind::kParameter) {
    keep = value_shared || value_local;
  } else if (target.base == BaseKind::kFresh) {
    // A context (or another object) linked into fresh memory escapes when
    // that memory is itself published (a list node linked into a global).
    keep = value_shared || value_local;
  }
  if (!keep) return;
  std::string key = absl::StrCat(target.Key(), "=", value.Key());
  out->stores.try_emplace(std::move(key), Store{target, value, location, via});
}

void AddReturn(Solved* out, const Value& value) {
  if (value.kind == Value::Kind::kFunction) return;
  out->returns.try_emplace(value.Key(), value);
}

// `argument` without the unknown pointers held in what it points to: what a
// library call that does not follow them (not deep=) reaches.
std::vector<Value> WithoutUnknownContents(const std::vector<Value>& argument) {
  std::vector<Value> out;
  for (const Value& value : argument) {
    if (value.kind == Value::Kind::kUnknown && !value.within.empty()) continue;
    out.push_back(value);
  }
  return out;
}

// Replaces paths and pointer values by the whole objects they lie in (each
// once): a store of any of the values into any of the paths is then covered
// by one store per pair of objects, which bounds the work of a store whose
// target and value each fan out.
void WholeObjects(std::vector<Path>* paths, std::vector<Value>* values) {
  std::map<std::string, Path> objects;
  for (Path path : *paths) {
    path.selectors.clear();
    if (path.base == BaseKind::kParameter) path.selectors = {"*"};
    path.truncated = true;
    objects.try_emplace(path.Key(), std::move(path));
  }
  paths->clear();
  for (auto& [key, path] : objects) paths->push_back(std::move(path));
  std::map<std::string, Value> pointers;
  for (Value value : *values) {
    value.within.clear();
    if (value.kind == Value::Kind::kAddressOf ||
        value.kind == Value::Kind::kLoadedFrom) {
      value.path.selectors.clear();
      value.path.truncated = true;
      if (value.kind == Value::Kind::kAddressOf &&
          value.path.base == BaseKind::kParameter) {
        value.kind = Value::Kind::kLoadedFrom;  // The pointer itself.
      }
    }
    pointers.try_emplace(value.Key(), std::move(value));
  }
  values->clear();
  for (auto& [key, value] : pointers) values->push_back(std::move(value));
}

std::vector<Path> InstantiatePath(
    const Path& path, const std::vector<std::vector<Value>>& arguments,
    const std::vector<Value>& this_argument) {
  std::vector<Path> out;
  if (path.base != BaseKind::kParameter) {
    out.push_back(path);
    return out;
  }
  if (path.index == kThisParameter) {
    PathsThrough(this_argument, path.selectors, &out, path.truncated);
  } else if (path.index >= 0 &&
             static_cast<size_t>(path.index) < arguments.size()) {
    PathsThrough(arguments[path.index], path.selectors, &out, path.truncated);
  }
  return out;
}

}  // namespace

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

  std::vector<Value> Resolve(const prism::v1::ArgumentValue& argument) {
    std::vector<Value> out;
    for (const Value& value : ValuesFromProto(argument))
      ResolveValue(value, &out);
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

  void Contribute(LinkedProgram* program, Solved* out) {
    const ViaPtr here = MakeVia(function_.name, nullptr);
    for (const prism::v1::Access& access : body_.accesses()) {
      for (const Path& path : ResolvePath(PathFromProto(access.path()))) {
        AddEffect(out, path, access.kind() == prism::v1::ACCESS_KIND_WRITE,
                  access.atomic(), access.location(), here);
      }
    }
    for (const prism::v1::PointerStore& store : body_.stores()) {
      std::vector<Value> values = Resolve(store.value());
      for (const Path& target : ResolvePath(PathFromProto(store.target()))) {
        for (const Value& value : values)
          AddStore(out, target, value, store.location(), here);
      }
    }
    for (const prism::v1::Call& call : body_.calls())
      ContributeCall(program, call, out);
    for (const Value& value : Resolve(body_.returns())) AddReturn(out, value);
  }

 private:
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
    return returns_[index] = std::move(out);
  }

  void ContributeCall(LinkedProgram* program, const prism::v1::Call& call,
                      Solved* out) {
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
               InstantiatePath(effect.path, callee_arguments, callee_this)) {
            AddEffect(out, path, effect.write, effect.atomic, effect.location,
                      MakeVia(function_.name, effect.via));
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
          std::vector<Path> paths;
          PathsThrough(model.deep.Contains(static_cast<int>(i))
                           ? arguments[i]
                           : WithoutUnknownContents(arguments[i]),
                       whole, &paths, /*truncated=*/true);
          const bool locked = model.locked.Contains(static_cast<int>(i));
          for (const Path& path : paths) {
            AddEffect(out, path, write, locked, call.location(), via);
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
        continue;
      }
      // No body and no model: reads and writes everything reachable from its
      // arguments, may keep them (escape), and touches the global <unknown>
      // resource (README.md).
      program->unknown_functions_.insert(target.unknown_name);
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

LinkedProgram::LinkedProgram(
    const std::vector<prism::v1::TranslationUnitSummary>* summaries,
    const ModelTable* models)
    : models_(models) {
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
      auto [it, inserted] = table.try_emplace(key, &declaration);
      if (!inserted && it->second->override_reason().empty() &&
          !declaration.override_reason().empty()) {
        it->second = &declaration;
      }
    }
  }
  for (const auto& [usr, node] : functions_) {
    if (!node.bodies.empty() && node.name.find("::") != std::string::npos) {
      const std::string method = UnqualifiedName(node.name);
      methods_by_name_[method[0] == '~' ? "~" : method].push_back(&node);
    }
    if (node.address_taken && !node.type.empty()) {
      address_taken_by_type_[node.type].push_back(&node);
    }
    if (node.address_cast) address_cast_.push_back(&node);
  }
}

const FunctionNode* LinkedProgram::FindFunction(const std::string& usr) const {
  auto it = functions_.find(usr);
  return it == functions_.end() ? nullptr : &it->second;
}

const Solved& LinkedProgram::SolvedFor(const std::string& usr) const {
  static const Solved* const kEmpty = new Solved();
  auto it = solved_.find(usr);
  return it == solved_.end() ? *kEmpty : it->second;
}

CallTarget LinkedProgram::TargetByName(const std::string& name) const {
  static const FunctionModel* const kValueOnly = [] {
    auto* model = new FunctionModel();
    model->name = "__builtin_ia32_*";
    return model;
  }();
  CallTarget target;
  if (auto it = models_->find(name); it != models_->end()) {
    target.model = &it->second;
  } else if (absl::StartsWith(name, "__builtin_ia32_")) {
    target.model = kValueOnly;  // SIMD intrinsics: values in, values out.
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
      const std::string method = UnqualifiedName(node->name);
      auto it = methods_by_name_.find(method[0] == '~' ? "~" : method);
      if (it != methods_by_name_.end()) {
        for (const FunctionNode* candidate : it->second) {
          if (candidate != node &&
              candidate->parameter_count == node->parameter_count) {
            targets.push_back(CallTarget{candidate, nullptr, ""});
          }
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
  return targets;
}

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

namespace {

std::string BaseId(const Path& path) {
  return absl::StrCat(static_cast<int>(path.base), "|", path.key, "|",
                      path.index);
}

std::vector<std::string> CommonPrefix(const std::vector<const Path*>& paths) {
  std::vector<std::string> prefix = paths.front()->selectors;
  for (const Path* path : paths) {
    size_t i = 0;
    while (i < prefix.size() && i < path->selectors.size() &&
           prefix[i] == path->selectors[i]) {
      ++i;
    }
    prefix.resize(i);
  }
  return prefix;
}

// Bounds a summary: too many paths on one base are replaced by one access of
// their common prefix, which covers them all (so only conflicts are added).
void WidenEffects(std::map<std::string, Effect>* effects,
                  std::set<std::string>* widened_bases) {
  std::map<std::string, std::vector<std::string>> effects_by_base;
  for (const auto& [key, effect] : *effects) {
    effects_by_base[BaseId(effect.path)].push_back(key);
  }
  for (const auto& [base, keys] : effects_by_base) {
    if (keys.size() <= kMaxPathsPerBase && !widened_bases->count(base)) {
      continue;
    }
    widened_bases->insert(base);
    std::vector<const Path*> paths;
    bool write = false, atomic = true;
    for (const std::string& key : keys) {
      const Effect& effect = effects->at(key);
      paths.push_back(&effect.path);
      write = write || effect.write;
      atomic = atomic && effect.atomic;
    }
    Effect widened = effects->at(keys.front());
    widened.path.selectors = CommonPrefix(paths);
    widened.path.truncated = true;
    if (widened.path.base == BaseKind::kParameter &&
        !HasDereference(widened.path.selectors)) {
      widened.path.selectors = {"*"};
    }
    widened.write = write;
    widened.atomic = atomic;
    for (const std::string& key : keys) effects->erase(key);
    (*effects)[absl::StrCat(widened.path.Key(), write ? "|W" : "|R")] =
        std::move(widened);
  }
}

void Widen(Solved* solved) {
  WidenEffects(&solved->effects, &solved->widened_bases);
  WidenEffects(&solved->shared, &solved->widened_bases);
  if (solved->stores.size() > kMaxStores || solved->widened_stores) {
    solved->widened_stores = true;
    std::map<std::string, Store> widened;
    for (auto& [key, store] : solved->stores) {
      // Whole objects on both sides: a store into any part of the target
      // base, of a pointer to (or loaded from) any part of the value's base.
      Store copy = store;
      copy.target.selectors.clear();
      if (copy.target.base == BaseKind::kParameter)
        copy.target.selectors = {"*"};
      copy.target.truncated = true;
      copy.value.path.selectors.clear();
      copy.value.path.truncated = true;
      if (copy.value.kind == Value::Kind::kAddressOf &&
          copy.value.path.base == BaseKind::kParameter) {
        copy.value.kind = Value::Kind::kLoadedFrom;  // The pointer itself.
      }
      widened.try_emplace(
          absl::StrCat(copy.target.Key(), "=", copy.value.Key()),
          std::move(copy));
    }
    solved->stores = std::move(widened);
  }
  if (solved->returns.size() > kMaxReturns || solved->widened_returns) {
    solved->widened_returns = true;
    solved->returns.clear();
    Value unknown;
    unknown.kind = Value::Kind::kUnknown;
    unknown.path.name = "<unknown>";
    solved->returns.emplace(unknown.Key(), unknown);
  }
}

template <typename Map>
bool SameKeys(const Map& a, const Map& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (i->first != j->first) return false;
  }
  return true;
}

}  // namespace

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

void LinkedProgram::AssumeWorst(const FunctionNode& function, Solved* out) {
  const ViaPtr via = MakeVia(function.name, nullptr);
  AddEffect(out, UnknownPath(), true, false, function.location, via);
  for (int i = kThisParameter; i < static_cast<int>(function.parameter_count);
       ++i) {
    Path pointee;
    pointee.base = BaseKind::kParameter;
    pointee.index = i;
    pointee.name = i == kThisParameter ? "this" : absl::StrCat("param", i);
    pointee.selectors = {"*"};
    pointee.truncated = true;  // Everything reachable from the parameter.
    AddEffect(out, pointee, true, false, function.location, via);
    Value pointer;
    pointer.kind = Value::Kind::kLoadedFrom;
    pointer.path = pointee;
    pointer.path.selectors.clear();
    pointer.path.truncated = false;  // The pointer itself, exactly.
    AddStore(out, UnknownPath(), pointer, function.location, via);
    AddStore(out, pointee, UnknownValue(), function.location, via);
  }
  AddReturn(out, UnknownValue());
}

void LinkedProgram::SolveFunction(const FunctionNode& function, Solved* out) {
  static const bool debug = std::getenv("PRISM_ENGINE_DEBUG") != nullptr;
  const auto start = std::chrono::steady_clock::now();
  for (const Function* body : function.bodies) {
    BodySolver solver(this, function, *body);
    solver.Contribute(this, out);
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

void LinkedProgram::Solve() {
  // Call graph over functions with bodies.
  std::map<std::string, std::vector<std::string>>& edges = call_edges_;
  for (const auto& [usr, node] : functions_) {
    if (node.bodies.empty()) continue;
    std::set<std::string> callees;
    for (const Function* body : node.bodies) {
      for (const prism::v1::Call& call : body->calls()) {
        for (const CallTarget& target : TargetsOf(call)) {
          if (target.function != nullptr) callees.insert(target.function->usr);
        }
      }
    }
    edges[usr].assign(callees.begin(), callees.end());
  }
  // Tarjan's SCCs, iteratively; components come out callees first.
  std::map<std::string, int> index, lowlink;
  std::set<std::string> on_stack;
  std::vector<std::string> stack;
  std::vector<std::vector<std::string>> components;
  int next_index = 0;
  struct Frame {
    const std::string* usr;
    size_t next_edge;
  };
  for (const auto& [root, unused] : edges) {
    if (index.count(root)) continue;
    std::vector<Frame> frames = {{&root, 0}};
    index[root] = lowlink[root] = next_index++;
    stack.push_back(root);
    on_stack.insert(root);
    while (!frames.empty()) {
      Frame& frame = frames.back();
      const std::string& usr = *frame.usr;
      const std::vector<std::string>& out = edges[usr];
      if (frame.next_edge < out.size()) {
        const std::string& callee = out[frame.next_edge++];
        if (!index.count(callee)) {
          index[callee] = lowlink[callee] = next_index++;
          stack.push_back(callee);
          on_stack.insert(callee);
          frames.push_back({&edges.find(callee)->first, 0});
        } else if (on_stack.count(callee)) {
          lowlink[usr] = std::min(lowlink[usr], index[callee]);
        }
        continue;
      }
      if (lowlink[usr] == index[usr]) {
        std::vector<std::string> component;
        std::string member;
        do {
          member = stack.back();
          stack.pop_back();
          on_stack.erase(member);
          component.push_back(member);
        } while (member != usr);
        components.push_back(std::move(component));
      }
      const std::string finished = usr;
      frames.pop_back();
      if (!frames.empty()) {
        const std::string& parent = *frames.back().usr;
        lowlink[parent] = std::min(lowlink[parent], lowlink[finished]);
      }
    }
  }
  if (std::getenv("PRISM_ENGINE_DEBUG") != nullptr) {
    size_t largest = 0;
    for (const auto& component : components) {
      largest = std::max(largest, component.size());
    }
    std::fprintf(stderr,
                 "engine: %zu functions with bodies, %zu SCCs, largest %zu\n",
                 edges.size(), components.size(), largest);
  }
  // Callers within the same component, to re-solve only what a change reaches.
  std::map<std::string, std::vector<std::string>> callers;
  for (const auto& [usr, callees] : edges) {
    for (const std::string& callee : callees) callers[callee].push_back(usr);
  }
  size_t solves = 0;
  for (const std::vector<std::string>& component : components) {
    const std::set<std::string> members(component.begin(), component.end());
    // Worklist to a fixpoint. Summaries only grow (up to widening) and
    // selector chains are bounded (kMaxSelectors), so it ends; a bound on the
    // work keeps pathological components finite, assuming the worst there.
    if (component.size() > kMaxFixpointComponent) {
      // A huge recursive component (an event loop that dispatches through
      // function pointers to most of the program): one pass for the
      // explanations it can give, then the worst case for every member, which
      // covers whatever a fixpoint would have found.
      for (const std::string& usr : component) {
        Solved next;
        SolveFunction(functions_.at(usr), &next);
        ++solves;
        solved_[usr] = std::move(next);
      }
      for (const std::string& usr : component) {
        const FunctionNode& node = functions_.at(usr);
        AssumeWorst(node, &solved_[usr]);
      }
      continue;
    }
    std::vector<std::string> worklist(component.rbegin(), component.rend());
    std::set<std::string> queued(component.begin(), component.end());
    size_t budget = component.size() * static_cast<size_t>(kMaxRounds);
    while (!worklist.empty()) {
      if (budget-- == 0) {
        for (const std::string& usr : component) {
          AssumeWorst(functions_.at(usr), &solved_[usr]);
        }
        break;
      }
      const std::string usr = worklist.back();
      worklist.pop_back();
      queued.erase(usr);
      Solved& current = solved_[usr];
      Solved next;
      next.widened_bases = current.widened_bases;
      next.widened_stores = current.widened_stores;
      next.widened_returns = current.widened_returns;
      SolveFunction(functions_.at(usr), &next);
      ++solves;
      if (std::getenv("PRISM_ENGINE_DEBUG") != nullptr && solves % 2000 == 0) {
        std::fprintf(stderr,
                     "engine: solve %zu: %s effects %zu shared %zu stores %zu "
                     "returns %zu queue %zu\n",
                     solves, functions_.at(usr).name.c_str(),
                     next.effects.size(), next.shared.size(),
                     next.stores.size(), next.returns.size(), worklist.size());
      }
      const bool changed = !SameKeys(next.effects, current.effects) ||
                           !SameKeys(next.returns, current.returns) ||
                           !SameKeys(next.stores, current.stores);
      current = std::move(next);
      if (!changed) continue;
      for (const std::string& caller : callers[usr]) {
        if (members.count(caller) && queued.insert(caller).second) {
          worklist.push_back(caller);
        }
      }
    }
  }
  if (std::getenv("PRISM_ENGINE_DEBUG") != nullptr) {
    std::fprintf(stderr, "engine: %zu function solves\n", solves);
  }
}

}  // namespace prism::analyzer
