#include "services/analyzer/engine/hand_over.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/analyzer/engine/summary_builder.h"

namespace prism::analyzer {
namespace {

// `path`, which lies in the object of `handed`, named from the hand-over's
// root: through the alias when the object is held inside the root.
Path FromRoot(const HandOver& handed, const Path& path) {
  if (!handed.aliased) return path;
  std::vector<std::string> rest;
  bool truncated = false;
  if (!InHandedObject(path, handed.object, &rest, &truncated)) return path;
  Path out = handed.alias;
  out.selectors.push_back("*");
  out.selectors.insert(out.selectors.end(), rest.begin(), rest.end());
  out.truncated = out.truncated || truncated;
  if (out.selectors.size() > kMaxSelectors) {
    out.selectors.resize(kMaxSelectors);
    out.truncated = true;
  }
  return out;
}

// A callback value at a call: a function stays itself; anything else is what
// the caller passed, or unknown (then any handler may be the one).
std::vector<Value> InstantiateCallback(
    const Value& callback, const std::vector<std::vector<Value>>& arguments,
    const std::vector<Value>& this_argument) {
  if (callback.kind == Value::Kind::kFunction ||
      callback.kind == Value::Kind::kUnknown) {
    return {callback};
  }
  std::vector<Value> out =
      LinkedProgram::InstantiateValue(callback, arguments, this_argument);
  if (out.empty()) out.push_back(UnknownValue());
  return out;
}

// Where an effect may be recorded as running after a hand-over: memory the
// function may hand on (not shared memory, not its own locals).
bool Recordable(const Path& path) {
  return !path.IsShared() && path.base != BaseKind::kReturn &&
         path.base != BaseKind::kEscapedLocal && !IsFunctionLocalObject(path) &&
         !(path.base == BaseKind::kParameter &&
           !HasDereference(path.selectors));
}

void AddHandedEffect(HandedEffect handed, Solved* out) {
  if (!Recordable(handed.effect.path)) return;
  // Matched by what was handed over, not by type (MatchHandedOver): one kept
  // effect may stand for several accesses.
  handed.effect.designated_type.clear();
  std::string key = handed.Key();
  out->after_handover.try_emplace(std::move(key), std::move(handed));
}

// The whole base a value's path lies on.
Value WholeObject(Value value) {
  value.path.selectors.clear();
  value.path.truncated = true;
  if (value.kind == Value::Kind::kAddressOf &&
      value.path.base == BaseKind::kParameter) {
    value.kind = Value::Kind::kLoadedFrom;  // The pointer itself.
  }
  return value;
}

// A hand-over past the bounds: the whole root object, to any handler, as any
// parameter (only more conflicts).
HandOver Coarse(const HandOver& handed) {
  const Value whole = WholeObject(handed.root);
  return HandOver{whole, whole, false, Path(), UnknownValue(), -1};
}

Path WholePath(Path path) {
  path.selectors.clear();
  if (path.base == BaseKind::kParameter) path.selectors = {"*"};
  path.truncated = true;
  return path;
}

}  // namespace

std::string HandOver::Key() const {
  return absl::StrCat(object.Key(), "#", root.Key(), "#",
                      aliased ? alias.Key() : "", "#", callback.Key(), "#",
                      parameter);
}

std::string HandedEffect::Key() const {
  return KeyOf(effect.path.Key(), effect.write,
               AfterKey(root, callback, parameter));
}

std::string HandedEffect::KeyOf(const std::string& path_key, bool write,
                                const std::string& after_key) {
  return absl::StrCat(path_key, write ? "|W#" : "|R#", after_key);
}

std::string HandedEffect::AfterKey(const Value& root, const Value& callback,
                                   int parameter) {
  return absl::StrCat(root.Key(), "#", callback.Key(), "#", parameter);
}

bool CanBeHandedOver(const Value& value) {
  if (value.kind != Value::Kind::kAddressOf &&
      value.kind != Value::Kind::kLoadedFrom) {
    return false;
  }
  if (!value.within.empty()) return false;  // Held inside an aggregate.
  const Path& path = value.path;
  if (path.base == BaseKind::kFresh) return true;
  if (path.base != BaseKind::kParameter) return false;
  // The address of a parameter variable is a local's.
  return value.kind == Value::Kind::kLoadedFrom ||
         HasDereference(path.selectors);
}

bool InHandedObject(const Path& path, const Value& object,
                    std::vector<std::string>* rest, bool* rest_truncated) {
  const Path& base = object.path;
  if (path.base != base.base || path.key != base.key ||
      path.index != base.index) {
    return false;
  }
  // The object's region: its selectors, and one dereference more when it is
  // what a pointer points to; compared in place, as this runs for every pair
  // of an effect and a hand-over in a body.
  static const std::string* const kDereference = new std::string("*");
  const std::string* last =
      object.kind == Value::Kind::kLoadedFrom ? kDereference : nullptr;
  const size_t region_size = base.selectors.size() + (last != nullptr ? 1 : 0);
  if (!SelectorsOverlap(base.selectors, last, path.selectors)) return false;
  if (base.truncated || path.selectors.size() < region_size) {
    // The whole object (or more): everything in it.
    rest->clear();
    *rest_truncated = true;
    return true;
  }
  rest->assign(path.selectors.begin() + region_size, path.selectors.end());
  *rest_truncated = path.truncated;
  return true;
}

std::vector<HandOver> InstantiateHandOver(
    const HandOver& handed, const std::vector<std::vector<Value>>& arguments,
    const std::vector<Value>& this_argument) {
  std::vector<HandOver> out;
  const std::vector<Value> callbacks =
      InstantiateCallback(handed.callback, arguments, this_argument);
  const std::vector<Value> objects =
      LinkedProgram::InstantiateValue(handed.object, arguments, this_argument);
  if (!handed.aliased && objects.size() * callbacks.size() > kMaxHandOvers) {
    std::set<std::string> seen;
    for (const Value& object : objects) {
      if (!CanBeHandedOver(object)) continue;
      HandOver coarse =
          Coarse(HandOver{object, object, false, Path(), object, -1});
      if (seen.insert(coarse.Key()).second) out.push_back(std::move(coarse));
    }
    return out;
  }
  if (!handed.aliased) {
    for (const Value& object : objects) {
      if (!CanBeHandedOver(object)) continue;
      for (const Value& callback : callbacks) {
        out.push_back(HandOver{object, object, false, Path(), callback,
                               handed.parameter});
      }
    }
    return out;
  }
  const std::vector<Value> roots =
      LinkedProgram::InstantiateValue(handed.root, arguments, this_argument);
  const std::vector<Path> aliases =
      InstantiatePath(handed.alias, arguments, this_argument);
  if (objects.size() * roots.size() * aliases.size() * callbacks.size() >
      kMaxHandOvers) {
    // Too many combinations: each root object, whole, to anyone.
    std::set<std::string> seen;
    for (const Value& root : roots) {
      if (!CanBeHandedOver(root)) continue;
      HandOver coarse = Coarse(HandOver{root, root, false, Path(), root, -1});
      if (seen.insert(coarse.Key()).second) out.push_back(std::move(coarse));
    }
    return out;
  }
  for (const Value& object : objects) {
    if (!CanBeHandedOver(object)) continue;
    for (const Value& root : roots) {
      if (!CanBeHandedOver(root)) continue;
      for (const Path& alias : aliases) {
        if (!Recordable(alias)) continue;
        for (const Value& callback : callbacks) {
          out.push_back(
              HandOver{object, root, true, alias, callback, handed.parameter});
        }
      }
    }
  }
  return out;
}

void InstantiateHandedEffect(const HandedEffect& handed,
                             const std::vector<std::vector<Value>>& arguments,
                             const std::vector<Value>& this_argument,
                             const ViaPtr& via, Solved* out) {
  const std::vector<Value> callbacks =
      InstantiateCallback(handed.callback, arguments, this_argument);
  const std::vector<Value> roots =
      LinkedProgram::InstantiateValue(handed.root, arguments, this_argument);
  for (const Path& path :
       InstantiatePath(handed.effect.path, arguments, this_argument)) {
    for (const Value& root : roots) {
      std::vector<std::string> rest;
      bool truncated = false;
      if (!CanBeHandedOver(root) ||
          !InHandedObject(path, root, &rest, &truncated)) {
        continue;
      }
      for (const Value& callback : callbacks) {
        HandedEffect one = handed;
        one.effect.path = path;
        one.effect.via = via;
        one.root = root;
        one.callback = callback;
        AddHandedEffect(std::move(one), out);
      }
    }
  }
}

HandOverTracker::HandOverTracker(const prism::v1::Function& body) {
  for (const prism::v1::StatementRange& loop : body.loops())
    loops_.emplace_back(loop.first(), loop.last());
}

bool HandOverTracker::MayRunAfter(const Timed& event,
                                  const Timed& effect) const {
  // The registering call's own effects are the registration's (libevent's,
  // under its lock) or, for a callee that registers, in its own summary.
  if (effect.item >= 0 && effect.item == event.item) return false;
  if (event.order == 0 || effect.order == 0 || event.order <= effect.order)
    return true;
  for (const auto& [first, last] : loops_) {
    if (first <= event.order && event.order <= last && first <= effect.order &&
        effect.order <= last) {
      return true;
    }
  }
  return false;
}

void HandOverTracker::AddEffects(const Solved& scratch, uint32_t order,
                                 int item) {
  for (const auto* map : {&scratch.fresh, &scratch.effects}) {
    for (const auto& [key, effect] : *map)
      effects_.push_back({effect, Timed{order, item}});
  }
}

void HandOverTracker::AddHandOver(HandOver handed, uint32_t order, int item) {
  if (!CanBeHandedOver(handed.object) || !CanBeHandedOver(handed.root)) return;
  if (handed_.size() >= kMaxHeldObjects) {
    // Past the bound: whole objects, one per root and statement.
    coarse_ = true;
    handed = Coarse(handed);
    if (!coarse_keys_.insert(absl::StrCat(handed.Key(), "#", order, "#", item))
             .second) {
      return;
    }
  }
  handed_.push_back({std::move(handed), Timed{order, item}});
}

void HandOverTracker::Finish(const std::map<std::string, Store>& stores,
                             Solved* out) {
  if (handed_.empty()) return;
  // What handed objects hold is reached with them: handed over at the same
  // time, named through where it is held.
  std::set<std::string> seen;
  auto key = [](const HandOver& handed, const Timed& when) {
    return absl::StrCat(handed.Key(), "#", when.order, "#", when.item);
  };
  for (const auto& [handed, when] : handed_) seen.insert(key(handed, when));
  // Past the bound (a body storing into hundreds of places), every effect
  // that may follow a hand-over counts, as touching its object somewhere.
  bool coarse = coarse_ || handed_.size() > kMaxHeldObjects;
  std::vector<const Store*> holdable;  // Stores of pointers that can be held.
  for (const auto& [store_key, store] : stores) {
    if (CanBeHandedOver(store.value)) holdable.push_back(&store);
  }
  size_t done = 0;
  for (int round = 0;
       round < kMaxHeldRounds && done < handed_.size() && !coarse; ++round) {
    const size_t end = handed_.size();
    for (size_t i = done; i < end; ++i) {
      const HandOver holder = handed_[i].first;
      const Timed when = handed_[i].second;
      for (const Store* held_store : holdable) {
        const Store& store = *held_store;
        std::vector<std::string> rest;
        bool truncated = false;
        if (!InHandedObject(store.target, holder.object, &rest, &truncated)) {
          continue;
        }
        HandOver held{store.value,
                      holder.root,
                      true,
                      FromRoot(holder, store.target),
                      holder.callback,
                      holder.parameter};
        if (!seen.insert(key(held, when)).second) continue;
        if (handed_.size() >= kMaxHeldObjects) {
          coarse = true;
          break;
        }
        handed_.push_back({std::move(held), when});
      }
      if (coarse) break;
    }
    done = end;
  }
  // Held objects not followed (rounds or size exhausted) may be anywhere
  // below what was handed over.
  if (done < handed_.size()) coarse = true;
  for (const auto& [handed, when] : handed_) {
    if (IsFunctionLocalObject(handed.root.path)) continue;  // Dies here.
    out->handed_over.try_emplace(handed.Key(), handed);
  }
  // Effects × hand-overs: the parts of each record's key are computed once
  // per effect and per hand-over, and a record is built only when new.
  std::vector<std::string> after_keys;
  after_keys.reserve(handed_.size());
  for (const auto& [handed, when] : handed_) {
    after_keys.push_back(
        HandedEffect::AfterKey(handed.root, handed.callback, handed.parameter));
  }
  // Many hand-overs share their after-key (objects held in one handed
  // root): an effect named by its own path makes one record per after-key,
  // so each is tried once per effect. `tried[id] == n`: tried for effect n.
  std::vector<size_t> after_id(handed_.size());
  size_t distinct_after_keys = 0;
  {
    std::map<std::string_view, size_t> ids;
    for (size_t h = 0; h < handed_.size(); ++h) {
      after_id[h] =
          ids.try_emplace(after_keys[h], distinct_after_keys).first->second;
      if (after_id[h] == distinct_after_keys) ++distinct_after_keys;
    }
  }
  std::vector<size_t> tried(distinct_after_keys, 0);
  size_t effect_number = 0;
  // Unless coarse, an effect counts only with the hand-overs of objects on
  // its own base (InHandedObject): those are found by the base, not by
  // trying every hand-over for every effect.
  using BaseOf = std::tuple<BaseKind, std::string_view, int>;
  std::map<BaseOf, std::vector<size_t>> handed_on_base;
  std::vector<size_t> every_hand_over;
  if (coarse) {
    every_hand_over.resize(handed_.size());
    for (size_t h = 0; h < handed_.size(); ++h) every_hand_over[h] = h;
  } else {
    for (size_t h = 0; h < handed_.size(); ++h) {
      const Path& object = handed_[h].first.object.path;
      handed_on_base[{object.base, object.key, object.index}].push_back(h);
    }
  }
  static const std::vector<size_t>* const kNone = new std::vector<size_t>();
  std::vector<std::string> rest;  // Unused here; one buffer for every call.
  bool truncated = false;
  for (const auto& [effect, at] : effects_) {
    ++effect_number;
    const bool own_recordable = Recordable(effect.path);
    std::string own_key;  // effect.path.Key(), once needed.
    const std::vector<size_t>* candidates = &every_hand_over;
    if (!coarse) {
      auto found = handed_on_base.find(
          {effect.path.base, effect.path.key, effect.path.index});
      candidates = found == handed_on_base.end() ? kNone : &found->second;
    }
    for (size_t h : *candidates) {
      const auto& [handed, when] = handed_[h];
      if (!MayRunAfter(when, at)) continue;
      // Coarse, an object that is not aliased names the effect by its own
      // path whether or not the effect is inside it.
      const bool inside =
          (!coarse || handed.aliased) &&
          InHandedObject(effect.path, handed.object, &rest, &truncated);
      if (!inside && !coarse) continue;
      // Outside the object's known places (coarse): named by its own path,
      // which matches the registered handler's accesses anywhere.
      const bool renamed = inside && handed.aliased;
      Path from_root;
      if (renamed) {
        from_root = FromRoot(handed, effect.path);
        if (!Recordable(from_root)) continue;
      } else {
        if (!own_recordable) continue;
        if (tried[after_id[h]] == effect_number) continue;  // The same key.
        tried[after_id[h]] = effect_number;
        if (own_key.empty()) own_key = effect.path.Key();
      }
      std::string key = HandedEffect::KeyOf(renamed ? from_root.Key() : own_key,
                                            effect.write, after_keys[h]);
      if (out->after_handover.count(key)) continue;
      HandedEffect after{effect, handed.root, handed.callback,
                         handed.parameter};
      if (renamed) after.effect.path = std::move(from_root);
      out->after_handover.emplace(std::move(key), std::move(after));
    }
  }
}

void WidenHandOvers(Solved* solved) {
  if (solved->handed_over.size() > kMaxHandOvers ||
      solved->after_handover.size() > kMaxHandedEffects) {
    solved->widened_handed = true;
  }
  if (!solved->widened_handed) return;
  {
    std::map<std::string, HandOver> whole;
    for (auto& [key, one] : solved->handed_over) {
      HandOver widened = one;
      widened.object = WholeObject(widened.object);
      widened.root = WholeObject(widened.root);
      if (widened.aliased) widened.alias = WholePath(widened.alias);
      whole.try_emplace(widened.Key(), std::move(widened));
    }
    solved->handed_over = std::move(whole);
  }
  {
    std::map<std::string, HandedEffect> whole;
    for (auto& [key, one] : solved->after_handover) {
      HandedEffect widened = one;
      widened.effect.path = WholePath(widened.effect.path);
      widened.root = WholeObject(widened.root);
      whole.try_emplace(widened.Key(), std::move(widened));
    }
    solved->after_handover = std::move(whole);
  }
}

}  // namespace prism::analyzer
