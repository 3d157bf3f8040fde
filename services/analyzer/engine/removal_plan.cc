// The removal plan (README.md, "Removal plan"): which resources to make safe
// first. Every pair of handlers held back by global conflicts is known by the
// groups of resources that hold it (a global and its fields, a hidden library
// state, unknown code by its function, ...); the plan picks groups greedily,
// each step the one closest to freeing the most pairs, and says after each
// step how many pairs are free of global conflicts.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/engine/analysis.h"

namespace prism::analyzer {
namespace {

// Steps listed: beyond a few dozen the programmer re-runs the analysis.
constexpr int kMaxRemovalSteps = 40;

// The part of a rendered path naming its root object: "g_stats" of
// "g_stats.hits", "*g_cache[]" of "*g_cache[]->data".
std::string RootOf(const std::string& resource) {
  const size_t end = resource.find_first_of(".[-( ");
  return resource.substr(0, end);
}

}  // namespace

RemovalGroup RemovalGroupFor(const std::string& resource, bool atomic_only,
                             const UnknownSource& unknown,
                             const std::string& wrapper) {
  RemovalGroup group;
  if (!wrapper.empty()) {
    // Both sides call an internally locked library function (fprintf on a
    // log stream) inside one program function: naming that function in an
    // override states that whole calls of it may interleave.
    group.name = wrapper;
    group.override_line = absl::StrCat(
        wrapper, ": each call is atomic; calls of two handlers may interleave");
    group.suggestion =
        "its library calls are atomic already: the override only states that "
        "interleaved calls (log lines) are acceptable";
    return group;
  }
  if (resource == "<unknown>") {
    // The reason a pointer cannot be traced, for the two kinds below.
    constexpr char kUntraced[] =
        "a pointer whose target the analysis cannot trace (one unknown code "
        "returned or may have stored, or one kept where any code may change "
        "it): give that code a model, or keep the pointer where only this "
        "program's code stores";
    switch (unknown.kind) {
      case UnknownSource::Kind::kNone:
        group.name = resource;
        group.suggestion =
            "give the unknown code a body or a library model (--model)";
        break;
      case UnknownSource::Kind::kNoModel:
        group.name = absl::StrCat(resource, " via ", unknown.function);
        group.suggestion = absl::StrCat(
            "describe ", unknown.function,
            " with a library model (--model): what it reads, writes and keeps");
        break;
      case UnknownSource::Kind::kModelled:
        group.name = absl::StrCat(resource, " via ", unknown.function);
        group.suggestion = absl::StrCat(
            unknown.function,
            " reaches memory the analysis cannot name: by what the call does "
            "itself (fork copies all memory, a format that is not a literal "
            "may write anywhere through %n), or through ",
            kUntraced);
        break;
      case UnknownSource::Kind::kBody:
        group.name = absl::StrCat(resource, " in ", unknown.function);
        group.suggestion =
            absl::StrCat(unknown.function, " goes through ", kUntraced);
        break;
    }
    return group;
  }
  if (absl::StartsWith(resource, "<escaped>")) {
    group.name = "<escaped>";
    group.suggestion =
        "keep connection contexts out of global memory (or give each "
        "handler's shared part its own lock-free structure)";
    return group;
  }
  if (absl::StartsWith(resource, "<handed over>")) {
    group.name = resource;
    group.suggestion =
        "finish initializing an object before handing it to a registration";
    return group;
  }
  if (absl::StartsWith(resource, "<handler parameter>")) {
    // What a registration passes the handler (one object several
    // registrations share, a descriptor the library made): named whole, as
    // overrides name it.
    group.name = resource;
    group.override_line = absl::StrCat(resource, ": <why this is safe>");
    group.suggestion =
        "the handler is passed an object other registrations pass too (or "
        "one the library made): give each registration its own, or override "
        "it";
    return group;
  }
  if (absl::StrContains(resource, " (may be ")) {
    group.name = resource;
    group.override_line = absl::StrCat(resource, ": <why this is safe>");
    group.suggestion =
        "make the pointer's targets explicit (a pointer only ever set to one "
        "object), or override the alias";
    return group;
  }
  if (absl::StrContains(resource, ":") && !absl::StrContains(resource, "::")) {
    group.name = resource;  // Hidden library state: "libc:strtok".
    group.suggestion = atomic_only
                           ? "each call is atomic: override it if interleaved "
                             "output is acceptable"
                           : "use the reentrant variant (strtok_r, "
                             "localtime_r, ...) with per-call state";
    group.override_line = absl::StrCat(resource, ": <why this is safe>");
    return group;
  }
  group.name = RootOf(resource);
  if (group.name.empty() || group.name[0] == '*') {
    group.name = resource;
  }
  group.override_line = absl::StrCat(group.name, ": <why this is safe>");
  group.suggestion =
      atomic_only
          ? "its accesses are already atomic: the override only states it"
          : "make it per-connection (a field of the context), an atomic, or "
            "guarded by a lock, then override it";
  return group;
}

void AddRemovalPlan(const HeldPairs& held,
                    const std::map<std::string, RemovalGroup>& groups,
                    AnalysisResult* result) {
  // Per group: the pairs it alone holds, the pairs it holds with others, a
  // few of its resources.
  std::map<std::string, uint32_t> alone, holding;
  std::map<std::string, std::set<std::string>> resources;
  // What still holds each pair the plan can free (one whose groups are all
  // known), shrinking as steps are taken.
  std::vector<std::set<std::string>> remaining;
  for (const auto& [indices, pair] : held) {
    if (pair.groups.empty()) continue;
    for (const auto& [name, seen] : pair.groups) {
      ++holding[name];
      std::set<std::string>& kept = resources[name];
      for (const std::string& resource : seen) {
        if (kept.size() < 5) kept.insert(resource);
      }
    }
    if (pair.truncated) continue;
    if (pair.groups.size() == 1) ++alone[pair.groups.begin()->first];
    std::set<std::string> names;
    for (const auto& [name, seen] : pair.groups) names.insert(name);
    remaining.push_back(std::move(names));
  }
  uint32_t cumulative = 0;
  for (int step_index = 0; step_index < kMaxRemovalSteps; ++step_index) {
    // The group closest to freeing pairs: each pair it holds counts by the
    // share of what still holds it (alone: 1, one of two: 1/2, ...).
    std::map<std::string, double> score;
    for (const std::set<std::string>& pair : remaining) {
      for (const std::string& name : pair) score[name] += 1.0 / pair.size();
    }
    const std::string* best = nullptr;
    double best_score = 0;
    for (const auto& [name, value] : score) {
      if (best == nullptr || value > best_score ||
          (value == best_score && holding[name] > holding[*best])) {
        best = &name;
        best_score = value;
      }
    }
    if (best == nullptr) break;
    const std::string name = *best;
    std::vector<std::set<std::string>> still;
    for (std::set<std::string>& pair : remaining) {
      pair.erase(name);
      if (pair.empty()) {
        ++cumulative;
      } else {
        still.push_back(std::move(pair));
      }
    }
    remaining = std::move(still);
    const RemovalGroup& group = groups.at(name);
    prism::v1::RemovalStep* step = result->add_removal_plan();
    step->set_group(name);
    step->set_pairs(alone[name]);
    step->set_cumulative_pairs(cumulative);
    step->set_held_pairs(holding[name]);
    for (const std::string& resource : resources[name])
      step->add_resources(resource);
    step->set_override_line(group.override_line);
    step->set_suggestion(group.suggestion);
  }
}

}  // namespace prism::analyzer
