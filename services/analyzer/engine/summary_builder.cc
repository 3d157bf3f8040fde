#include "services/analyzer/engine/summary_builder.h"

#include <deque>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/common/within.h"
#include "services/analyzer/engine/hand_over.h"

namespace prism::analyzer {

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

std::string EffectKey(const Path& path, bool write, bool bytes_only,
                      bool dereferences_below) {
  return absl::StrCat(path.Key(), write ? "|W" : "|R", bytes_only ? "|b" : "",
                      dereferences_below ? "|d" : "");
}

std::string StoreKey(const Path& target, const Value& value) {
  return absl::StrCat(target.Key(), "=", value.Key());
}

void AddEffect(Solved* out, const Path& accessed, bool write, bool atomic,
               const prism::v1::SourceLocation& location, const ViaPtr& via,
               bool bytes_only, bool dereferences_below,
               const std::string& designated_type) {
  // An escaped local is resolved in its body (BodySolver); should one be left
  // over, it is unknown memory.
  static const Path* const kUnknownMemory = new Path(UnknownPath());
  const Path& path =
      accessed.base == BaseKind::kEscapedLocal ? *kUnknownMemory : accessed;
  if (path.base == BaseKind::kReturn) return;
  if (path.base == BaseKind::kParameter && !HasDereference(path.selectors))
    return;  // A local.
  dereferences_below =
      dereferences_below || (path.truncated && path.absorbed_dereference);
  // Allocated memory is not shared unless handed over: kept for the body's
  // hand-over check. A bytes-only effect is kept apart from a full one on the
  // same path, so neither stands in for the other. The effect is built only
  // when its key is new: this runs for every callee effect at every call.
  std::map<std::string, Effect>& map = path.base == BaseKind::kFresh
                                           ? out->fresh
                                       : path.IsShared() ? out->shared
                                                         : out->effects;
  auto [it, inserted] =
      map.try_emplace(EffectKey(path, write, bytes_only, dereferences_below));
  if (!inserted) {
    MergeAccess(atomic, designated_type, &it->second);
    return;
  }
  it->second =
      Effect{path,     write, atomic,         bytes_only, dereferences_below,
             location, via,   designated_type};
}

// A helper that releases its integer parameter (`drop(int fd) { close(fd); }`)
// records {PARAMETER k, ["*", kReleasedNumber]}; its callers write what their
// argument k was read from instead (library_models.h, releases=).

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
  out->stores.try_emplace(StoreKey(target, value),
                          Store{target, value, location, via});
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
    const std::vector<Value>& this_argument, bool bytes_only) {
  std::vector<Path> out;
  if (path.base != BaseKind::kParameter) {
    out.push_back(path);
    return out;
  }
  if (path.index == kThisParameter) {
    PathsThrough(this_argument, path.selectors, &out, path.truncated,
                 bytes_only);
  } else if (path.index >= 0 &&
             static_cast<size_t>(path.index) < arguments.size()) {
    PathsThrough(arguments[path.index], path.selectors, &out, path.truncated,
                 bytes_only);
  }
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
  // By iterator: a map's iterators stay valid while other entries come and go.
  using Entry = std::map<std::string, Effect>::iterator;
  std::map<std::string, std::vector<Entry>> effects_by_base;
  for (Entry it = effects->begin(); it != effects->end(); ++it) {
    effects_by_base[BaseId(it->second.path)].push_back(it);
  }
  for (const auto& [base, entries] : effects_by_base) {
    if (entries.size() <= kMaxPathsPerBase && !widened_bases->count(base)) {
      continue;
    }
    widened_bases->insert(base);
    std::vector<const Path*> paths;
    bool write = false, atomic = true;
    for (const Entry& entry : entries) {
      const Effect& effect = entry->second;
      paths.push_back(&effect.path);
      write = write || effect.write;
      atomic = atomic && effect.atomic;
    }
    Effect widened = entries.front()->second;
    widened.path.selectors = CommonPrefix(paths);
    widened.path.truncated = true;
    if (widened.path.base == BaseKind::kParameter &&
        !HasDereference(widened.path.selectors)) {
      widened.path.selectors = {"*"};
    }
    widened.write = write;
    widened.atomic = atomic;
    widened.bytes_only = false;  // Covers every access below the prefix.
    widened.designated_type.clear();
    widened.dereferences_below = true;
    for (const Entry& entry : entries) effects->erase(entry);
    (*effects)[absl::StrCat(widened.path.Key(), write ? "|W" : "|R")] =
        std::move(widened);
  }
}

}  // namespace

namespace {

// Identity of an allocated object (its site or the call that made it).
std::string ObjectId(const Path& path) {
  return path.key.empty() ? absl::StrCat("name:", path.name) : path.key;
}

// Whether the object of `path` is in `objects` (by ObjectId), without a copy
// of its key: this runs for every effect followed.
bool IsObjectIn(const std::set<std::string>& objects, const Path& path) {
  return path.key.empty() ? objects.count(ObjectId(path)) > 0
                          : objects.count(path.key) > 0;
}

// Where a path on allocated memory goes on through a pointer held in it: the
// index of its first dereference (a subscript after the first selector may be
// one: `c->buf[i]`); false when it stays in the object.
bool HeldPointerAt(const Path& path, size_t* at) {
  for (size_t i = 0; i < path.selectors.size(); ++i) {
    const std::string& selector = path.selectors[i];
    if (selector == "*" || (selector == "[]" && i > 0)) {
      *at = i;
      return true;
    }
  }
  return false;
}

// Bounds the effects followed through held pointers in one body.
constexpr size_t kMaxHeldPointerEffects = 4096;
// Global places one allocated object is published at before it is taken to
// hold anything.
constexpr size_t kMaxPublishedPlaces = 8;

}  // namespace

void FollowHeldPointers(const std::vector<Effect>& fresh,
                        const std::set<std::string>& own, Solved* out) {
  // Allocated objects stored into shared memory, or into such an object, and
  // where: a global path the object now is (`g_t[b] = f`: f is `*g_t[]`), as
  // a truncated path that stands for everything reachable from there.
  // Whatever any code stores into the object later, it stores through that
  // global path (or a pointer copied from it), so the pointers held in it
  // lead where pointers held below that path lead: the global-pointer rule
  // and escapes cover them as they cover every pointer held in global memory.
  // Published into hidden or unknown memory, or at too many places, the
  // object may hold anything.
  std::map<std::string, std::map<std::string, Path>> published_at;
  std::set<std::string> published_anywhere;
  // True when the object was not anywhere yet.
  auto mark_anywhere = [&](const std::string& object) {
    published_at.erase(object);
    return published_anywhere.insert(object).second;
  };
  // Adds `place` (by its key) to what `object` may be; past the bound, or
  // once anywhere, the object is anywhere. True when something changed.
  auto add_place = [&](const std::string& object, const std::string& key,
                       const Path& place) {
    if (published_anywhere.count(object)) return false;
    std::map<std::string, Path>& places = published_at[object];
    if (places.count(key)) return false;
    if (places.size() >= kMaxPublishedPlaces) return mark_anywhere(object);
    places.emplace(key, place);
    return true;
  };
  // One pass over the stores: objects stored into shared memory, and which
  // allocated object was stored into which (parent -> children).
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [key, store] : out->stores) {
    const Value& value = store.value;
    if (value.kind == Value::Kind::kUnknown ||
        value.kind == Value::Kind::kFunction ||
        value.path.base != BaseKind::kFresh) {
      continue;
    }
    const std::string object = ObjectId(value.path);
    const Path& target = store.target;
    if (target.base == BaseKind::kGlobal) {
      Path place = target;
      if (!place.truncated) {
        place.selectors.push_back("*");
        place.truncated = true;
      }
      add_place(object, place.Key(), place);
    } else if (target.IsShared()) {
      mark_anywhere(object);
    } else if (target.base == BaseKind::kFresh) {
      children[ObjectId(target)].push_back(object);
    }
  }
  // An object stored into a published one is published below the parent's
  // places, which already cover everything under them.
  std::vector<std::string> queue(published_anywhere.begin(),
                                 published_anywhere.end());
  for (const auto& [object, places] : published_at) queue.push_back(object);
  while (!queue.empty()) {
    const std::string parent = std::move(queue.back());
    queue.pop_back();
    auto kids = children.find(parent);
    if (kids == children.end()) continue;
    const bool anywhere = published_anywhere.count(parent) > 0;
    const std::map<std::string, Path> places =
        anywhere ? std::map<std::string, Path>() : published_at[parent];
    for (const std::string& child : kids->second) {
      bool changed = false;
      if (anywhere) {
        changed = mark_anywhere(child);
      } else {
        for (const auto& [key, place] : places) {
          if (add_place(child, key, place)) changed = true;
        }
      }
      if (changed) queue.push_back(child);
    }
  }
  // Per allocated object: the stores into it, and the writes that leave
  // unknown pointers in it (a library call writing bytes over it), so each
  // effect below looks only at its own object's.
  std::map<std::string, std::vector<const Store*>> stores_into;
  for (const auto& [key, store] : out->stores) {
    if (store.target.base == BaseKind::kFresh)
      stores_into[ObjectId(store.target)].push_back(&store);
  }
  std::map<std::string, std::vector<const Effect*>> clobbering_writes;
  for (const Effect& write : fresh) {
    if (write.write && !write.bytes_only && !write.dereferences_below &&
        write.path.truncated && write.path.base == BaseKind::kFresh) {
      clobbering_writes[ObjectId(write.path)].push_back(&write);
    }
  }
  // The effects followed, in the order they come. The bound counts every
  // effect that comes, the ones known at once to need nothing (on the body's
  // own objects, not through a pointer held in the object, or followed
  // already) included, but only the others are kept: an Effect is built for
  // them alone. A deque: it grows below while `effect` refers into it.
  std::deque<Effect> work;
  size_t arrived = 0;
  std::set<std::string> done;
  auto worth_following = [&](const Path& path, bool write, bool bytes_only,
                             bool dereferences_below) {
    if (arrived++ >= kMaxHeldPointerEffects) return false;
    if (path.base != BaseKind::kFresh || IsObjectIn(own, path)) return false;
    size_t at = 0;
    // A truncated path that an access went on below through a pointer:
    // through any pointer held at or below it. (Library calls touch what an
    // argument points to, not what unknown pointers in it lead to.)
    if (!HeldPointerAt(path, &at) && !(path.truncated && dereferences_below))
      return false;
    return done.insert(EffectKey(path, write, bytes_only, dereferences_below))
        .second;
  };
  for (const Effect& effect : fresh) {
    if (worth_following(effect.path, effect.write, effect.bytes_only,
                        effect.dereferences_below)) {
      work.push_back(effect);
    }
  }
  for (size_t n = 0; n < work.size(); ++n) {
    const Effect& effect = work[n];
    const Path& path = effect.path;
    size_t at = 0;
    const bool through = HeldPointerAt(path, &at);
    const std::vector<std::string> place(
        path.selectors.begin(),
        through ? path.selectors.begin() + at : path.selectors.end());
    const std::vector<std::string> rest =
        through ? std::vector<std::string>(path.selectors.begin() + at,
                                           path.selectors.end())
                : std::vector<std::string>{"*"};
    const std::string object = ObjectId(path);
    std::vector<Value> held;
    bool anything = published_anywhere.count(object) > 0;
    if (auto places = published_at.find(object);
        places != published_at.end() && !anything) {
      for (const auto& [place_key, place] : places->second) {
        Value reached;  // A pointer read from somewhere below the place.
        reached.kind = Value::Kind::kLoadedFrom;
        reached.path = place;
        held.push_back(std::move(reached));
      }
    }
    if (auto into = stores_into.find(object); into != stores_into.end()) {
      for (const Store* store : into->second) {
        if (store->target.truncated ||
            SelectorsOverlap(store->target.selectors, place)) {
          held.push_back(store->value);
        }
      }
    }
    if (auto writes = clobbering_writes.find(object);
        writes != clobbering_writes.end()) {
      for (const Effect* write : writes->second) {
        if (SelectorsOverlap(write->path.selectors, place)) anything = true;
      }
    }
    if (anything) held.push_back(UnknownValue());
    std::vector<Path> reached;
    PathsThrough(held, rest, &reached, path.truncated || !through);
    for (const Path& target : reached) {
      const bool below = effect.dereferences_below && target.truncated;
      // The same access, reached through the pointers held: its type holds.
      AddEffect(out, target, effect.write, effect.atomic, effect.location,
                effect.via, effect.bytes_only, below, effect.designated_type);
      if (target.base == BaseKind::kFresh &&
          worth_following(target, effect.write, effect.bytes_only, below)) {
        work.push_back(Effect{target, effect.write, effect.atomic,
                              effect.bytes_only, below, effect.location,
                              effect.via, effect.designated_type});
      }
    }
  }
}

void MergeSummary(const Solved& from, Solved* into) {
  for (const auto* maps : {&from.effects, &from.shared}) {
    auto& target = maps == &from.effects ? into->effects : into->shared;
    for (const auto& [key, effect] : *maps) {
      auto [it, inserted] = target.try_emplace(key, effect);
      if (!inserted) MergeEffect(effect, &it->second);
    }
  }
  for (const auto& [key, store] : from.stores)
    into->stores.try_emplace(key, store);
  for (const auto& [key, effect] : from.after_handover)
    into->after_handover.try_emplace(key, effect);
}

void Widen(Solved* solved) {
  WidenEffects(&solved->effects, &solved->widened_bases);
  WidenHandOvers(solved);
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

}  // namespace prism::analyzer
