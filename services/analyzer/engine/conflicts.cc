// Conflicts between two handlers: matching their accesses by resource,
// aliases through global pointers and <unknown>, and recording the
// explanations of each set bit.
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
#include "services/analyzer/common/enclosing.h"
#include "services/analyzer/engine/analysis.h"

namespace prism::analyzer {

// Records why (a, b) conflict; returns true when the conflict sets its bit
// (the programmer did not remove it). Conflicts are kept one per (kind,
// resource), but a removed one never hides an active one with the same key:
// an override removes only conflicts on its own resource.
// `named`: the resource as reported, when the two accesses name different
// memory that may be the same (an alias).
bool Analysis::Record(const HandlerAccess& a, const HandlerAccess& b,
                      prism::v1::ConflictKind kind,
                      std::map<ConflictKey, prism::v1::Conflict>* conflicts,
                      const std::string* named) {
  const std::string& resource =
      named != nullptr           ? *named
      : (a.unknown || b.unknown) ? (a.unknown ? a.resource : b.resource)
      : a.path.selectors.size() >= b.path.selectors.size() ? a.resource
                                                           : b.resource;
  if (pair().plan_pass)
    return RecordHeld(a, b, kind, resource, named != nullptr);
  // An active reason for this resource stays whatever this pair of accesses
  // is: nothing to find (callers stop looking for one once it is active).
  auto [it, inserted] = conflicts->try_emplace(ConflictKey{kind, resource});
  prism::v1::Conflict& conflict = it->second;
  if (!inserted && !conflict.removed_by_programmer()) return true;
  Override scratch;
  const Override* override =
      FindOverride(a, b, resource, named != nullptr, &scratch);
  if (!inserted) {
    if (override != nullptr) return false;
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
  ++pair().active[kind];
  return true;
}

// The plan pass's Record: which group holds the pair, no explanation.
bool Analysis::RecordHeld(const HandlerAccess& a, const HandlerAccess& b,
                          prism::v1::ConflictKind kind,
                          const std::string& resource, bool named) {
  Override scratch;
  if (any_override_ &&
      FindOverride(a, b, resource, named, &scratch) != nullptr) {
    return false;
  }
  if (kind != prism::v1::CONFLICT_KIND_GLOBAL) return true;
  // Unknown code is named by the function that runs it: a model for that
  // one function removes its conflicts, not another unknown function's.
  // A function with a body that touches <unknown> itself follows a pointer
  // the analysis could not trace: no model is what it needs.
  const HandlerAccess* unknown = a.unknown ? &a : b.unknown ? &b : nullptr;
  UnknownSource source;
  if (unknown != nullptr && unknown->via.size() > 1) {
    source.function = unknown->via.back();
    source.kind = names_with_bodies_.count(source.function)
                      ? UnknownSource::Kind::kBody
                  : options_.models.count(source.function)
                      ? UnknownSource::Kind::kModelled
                      : UnknownSource::Kind::kNoModel;
  }
  // Calls that are atomic on both sides inside one program function (a
  // logging function around fprintf) are covered by naming that function;
  // not a handler itself (naming it would vouch for all it does).
  std::string wrapper;
  if (a.atomic && b.atomic && a.via.size() > 2 && b.via.size() > 2 &&
      a.via[a.via.size() - 2] == b.via[b.via.size() - 2]) {
    wrapper = a.via[a.via.size() - 2];
  }
  PairState& state = pair();
  // Resources and function names hold no \x1f.
  if (!state.held_recorded
           .insert(absl::StrCat(resource, "\x1f", a.atomic && b.atomic ? 1 : 0,
                                "\x1f", source.function, "\x1f", wrapper))
           .second) {
    return true;
  }
  RemovalGroup group =
      RemovalGroupFor(resource, a.atomic && b.atomic, source, wrapper);
  std::set<std::string>& resources = state.held_pair.groups[group.name];
  if (resources.size() < 5) resources.insert(resource);
  // A thread takes pairs in increasing order: the first one kept is its
  // earliest.
  state.groups->try_emplace(group.name, state.index, std::move(group));
  return true;
}

// Enough explanations of `kind` for the current pair: its bit is set and
// the report lists at most kExplanationsPerPair of them anyway.
bool Analysis::Saturated(prism::v1::ConflictKind kind) {
  PairState& state = pair();
  if (state.plan_pass) {
    return kind != prism::v1::CONFLICT_KIND_GLOBAL ||
           state.held_pair.groups.size() > kPlanGroupsPerPair;
  }
  return state.active[kind] >= kExplanationsPerPair;
}

// Whether one path names a pointer variable itself (`g_log = f`,
// `if (g_log)`) and the other memory it points to (`*g_log`): different
// bytes. Going through the pointer loads it, an access of its own that meets
// the first one, so nothing is lost. A path standing for everything below it
// (truncated) or for an enclosing object keeps overlapping.
static bool PointerAndPointee(const Path& a, const Path& b) {
  const bool a_shorter = a.selectors.size() < b.selectors.size();
  const Path& shorter = a_shorter ? a : b;
  const Path& longer = a_shorter ? b : a;
  if (shorter.truncated || shorter.selectors.size() == longer.selectors.size())
    return false;
  for (size_t k = 0; k <= shorter.selectors.size(); ++k) {
    if (longer.selectors[k] == enclosing::kEnclosingObject) return false;
  }
  return longer.selectors[shorter.selectors.size()] == "*";
}

// What RecordHeld and MatchGroups read of an access, overrides aside
// (FindOverride also reads call chains and global keys: only used when no
// override exists).
std::map<std::string, std::vector<HandlerAccess>> DistinctForPlan(
    const std::map<std::string, std::vector<HandlerAccess>>& groups) {
  std::map<std::string, std::vector<HandlerAccess>> distinct;
  for (const auto& [group, list] : groups) {
    std::set<std::string> seen;
    std::vector<HandlerAccess>& kept = distinct[group];
    for (const HandlerAccess& access : list) {
      const size_t calls = access.via.size();
      std::string key = absl::StrCat(
          static_cast<int>(access.path.base), "\x1e", access.path.key, "\x1e",
          access.path.truncated, access.write, access.atomic, access.unknown,
          access.context, "\x1e", access.resource, "\x1e",
          access.designated_type, "\x1e",
          access.unknown && calls > 1 ? access.via.back() : "", "\x1e",
          access.atomic && calls > 2 ? access.via[calls - 2] : "\x1f", "\x1e",
          absl::StrJoin(access.path.selectors, "\x1f"));
      if (seen.insert(std::move(key)).second) kept.push_back(access);
    }
  }
  return distinct;
}

void Analysis::MatchGroups(
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
                : SelectorsOverlap(a.path.selectors, b.path.selectors) &&
                      !PointerAndPointee(a.path, b.path);
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
bool Analysis::ThroughPointer(const HandlerAccess& access) {
  return access.path.base == BaseKind::kGlobal &&
         std::find(access.path.selectors.begin(), access.path.selectors.end(),
                   "*") != access.path.selectors.end();
}

bool Analysis::MayReach(const HandlerAccess& pointer,
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

bool Analysis::MayAlias(const HandlerAccess& a, const HandlerAccess& b) const {
  if (a.path.base != BaseKind::kGlobal || b.path.base != BaseKind::kGlobal)
    return false;
  // Within one global, MatchGroups compares the paths themselves; a path
  // through a pointer held in the global may still reach another part of it
  // (a circular list head whose `next` points at itself: g_head.next->n is
  // g_head.n).
  if (a.group == b.group &&
      SelectorsOverlap(a.path.selectors, b.path.selectors) &&
      !PointerAndPointee(a.path, b.path)) {
    return false;
  }
  // Through two of stdin, stdout and stderr: three FILE objects.
  auto standard_stream = [](const HandlerAccess& access) {
    return IsStandardStream(access.path.key) &&
           !access.path.selectors.empty() && access.path.selectors[0] == "*";
  };
  if (program_.standard_streams_apart() && a.path.key != b.path.key &&
      standard_stream(a) && standard_stream(b)) {
    return false;
  }
  const bool a_pointer = ThroughPointer(a), b_pointer = ThroughPointer(b);
  if (a_pointer && (b_pointer || program_.GlobalAddressTaken(b.path.key)) &&
      MayReach(a, b) && !TypesKeepApart(a, b) && !PointeesKeepApart(a, b)) {
    return true;
  }
  return b_pointer && (a_pointer || program_.GlobalAddressTaken(a.path.key)) &&
         MayReach(b, a) && !TypesKeepApart(b, a) && !PointeesKeepApart(b, a);
}

// Where every pointer stored into the global pointer `pointer` goes through is
// known (LinkedProgram::KnownPointees), it reaches only those objects: not a
// global none of them is, and not what another such pointer reaches when no
// object may be in both.
bool Analysis::PointeesKeepApart(const HandlerAccess& pointer,
                                 const HandlerAccess& other) const {
  const std::optional<std::set<std::string>> pointees =
      program_.KnownPointees(pointer.path);
  if (!pointees.has_value()) return false;
  if (!ThroughPointer(other)) {
    return pointees->count(absl::StrCat("G:", other.path.key)) == 0;
  }
  const std::optional<std::set<std::string>> others =
      program_.KnownPointees(other.path);
  if (!others.has_value()) return false;
  for (const std::string& pointee : *pointees) {
    if (others->count(pointee)) return false;
  }
  return true;
}

// An access lands in an object of the type it designates (`p->x`: a struct
// the type of *p; `*ip`: an int); the own storage of a global declared in C
// holds objects of its declared types only (C 6.5p6: a declared object's
// effective type is its declared type). A type absent from the global's is
// somewhere else. Not when `other` goes through a pointer held in the global
// (what that reaches may be anything), nor for a truncated path, which covers
// that too, unless the global holds no pointer (a library call reading a
// `char[]` field: everything reachable from it is its own bytes, and every
// subscript is an array's).
bool Analysis::TypesKeepApart(const HandlerAccess& pointer,
                              const HandlerAccess& other) const {
  if (pointer.designated_type.empty()) return false;
  const std::set<std::string, std::less<>>* types =
      program_.GlobalStorageTypes(other.path.key);
  // An object only the library makes (a FILE: Effect::designated_type) is
  // never kept in a byte array of the program's; any other may be.
  absl::string_view type = pointer.designated_type;
  const bool library_made = absl::ConsumePrefix(&type, kLibraryMade);
  if (types == nullptr || types->find(type) != types->end() ||
      (!library_made && types->count("#bytes"))) {
    return false;
  }
  if (!types->count("#pointer")) {
    return std::find(other.path.selectors.begin(), other.path.selectors.end(),
                     "*") == other.path.selectors.end();
  }
  if (other.path.truncated) return false;
  auto global = program_.globals().find(other.path.key);
  return global != program_.globals().end() &&
         InOwnStorage(other.path, *global->second);
}

void Analysis::MatchAliases(
    const HandlerAccesses& a, const HandlerAccesses& b,
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

void Analysis::MatchPair(
    size_t i, size_t j, const HandlerAccesses& a, const HandlerAccesses& b,
    std::map<ConflictKey, prism::v1::Conflict>* conflicts_out) {
  std::map<ConflictKey, prism::v1::Conflict>& conflicts = *conflicts_out;
  const bool distinct_suffice = pair().plan_pass && !any_override_;
  MatchGroups(distinct_suffice ? a.plan_global_groups : a.global_groups,
              distinct_suffice ? b.plan_global_groups : b.global_groups,
              prism::v1::CONFLICT_KIND_GLOBAL, &conflicts);
  // <unknown> (and escaped context) accesses overlap every global resource.
  auto match_unknown = [&](const std::vector<HandlerAccess>& unknown,
                           const std::vector<const HandlerAccess*>& others,
                           bool unknown_is_a) {
    std::set<std::string> done;
    for (const HandlerAccess& u : unknown) {
      if (Saturated(prism::v1::CONFLICT_KIND_GLOBAL)) return;
      // The plan tells unknown code apart by the function that runs it.
      const std::string key =
          pair().plan_pass && u.via.size() > 1
              ? absl::StrCat(u.resource, " via ", u.via.back())
              : u.resource;
      if (done.count(key)) continue;
      for (const HandlerAccess* other : others) {
        if (!u.write && !other->write) continue;
        const bool active =
            unknown_is_a
                ? Record(u, *other, prism::v1::CONFLICT_KIND_GLOBAL, &conflicts)
                : Record(*other, u, prism::v1::CONFLICT_KIND_GLOBAL,
                         &conflicts);
        // One active reason per unknown resource is enough; a removed one
        // is not: keep looking for an access the override does not cover.
        if (active) {
          done.insert(key);
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
  // Objects one handler handed to the other's registration, touched after.
  MatchHandedOver(a, *ordered_[j], b, true, &conflicts);
  if (i != j) MatchHandedOver(b, *ordered_[i], a, false, &conflicts);
  // The plan holds global conflicts only (RecordHeld).
  if (pair().plan_pass) return;
  MatchGroups(a.context_groups, b.context_groups,
              prism::v1::CONFLICT_KIND_CONTEXT, &conflicts);
}

}  // namespace prism::analyzer
