// The removal plan (README.md, "Removal plan"): which resources to make safe
// first. A pair of handlers that conflicts globally only on resources of one
// group is freed by removing that group (an override, a per-connection copy,
// an atomic, a model for the unknown code): groups are ranked by how many
// pairs they alone hold back.
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

struct Group {
  std::string name;
  std::string override_line;
  std::string suggestion;
};

// The part of a rendered path naming its root object: "g_stats" of
// "g_stats.hits", "*g_cache[]" of "*g_cache[]->data".
std::string RootOf(const std::string& resource) {
  const size_t end = resource.find_first_of(".[-( ");
  return resource.substr(0, end);
}

Group GroupOf(const prism::v1::Conflict& conflict) {
  const std::string& resource = conflict.resource();
  Group group;
  if (resource == "<unknown>") {
    // Named after the unknown code one side runs (the last step of its
    // chain), which a model would describe.
    const prism::v1::AccessSite& site = conflict.a_site().via_size() > 1
                                            ? conflict.a_site()
                                            : conflict.b_site();
    const std::string code =
        site.via_size() > 1 ? site.via(site.via_size() - 1) : "";
    group.name =
        code.empty() ? resource : absl::StrCat(resource, " via ", code);
    group.suggestion =
        code.empty()
            ? "give the unknown code a body or a library model (--model)"
            : absl::StrCat("describe ", code,
                           " with a library model (--model): what it reads, "
                           "writes and keeps");
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
    group.suggestion = conflict.atomic_only()
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
      conflict.atomic_only()
          ? "its accesses are already atomic: the override only states it"
          : "make it per-connection (a field of the context), an atomic, or "
            "guarded by a lock, then override it";
  return group;
}

}  // namespace

void AddRemovalPlan(int explanations_per_pair, AnalysisResult* result) {
  // Per pair: its active global conflicts, their groups and resources.
  struct Held {
    int active = 0;
    std::map<std::string, Group> groups;
    std::set<std::string> resources;
  };
  std::map<std::pair<uint32_t, uint32_t>, Held> held;
  for (const prism::v1::Conflict& conflict : result->conflicts()) {
    if (conflict.kind() != prism::v1::CONFLICT_KIND_GLOBAL ||
        conflict.removed_by_programmer()) {
      continue;
    }
    Held& pair = held[{conflict.a(), conflict.b()}];
    Group group = GroupOf(conflict);
    pair.groups.try_emplace(group.name, std::move(group));
    pair.resources.insert(conflict.resource());
    ++pair.active;
  }
  struct Tally {
    Group group;
    uint32_t pairs = 0;
    std::set<std::string> resources;
  };
  std::map<std::string, Tally> tallies;
  for (const auto& [indices, pair] : held) {
    // A pair with as many explanations as the report keeps may have more.
    if (pair.groups.size() != 1 || pair.active >= explanations_per_pair)
      continue;
    const auto& [name, group] = *pair.groups.begin();
    Tally& tally = tallies[name];
    tally.group = group;
    ++tally.pairs;
    for (const std::string& resource : pair.resources) {
      if (tally.resources.size() < 5) tally.resources.insert(resource);
    }
  }
  std::vector<const Tally*> ranked;
  for (const auto& [name, tally] : tallies) ranked.push_back(&tally);
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const Tally* x, const Tally* y) { return x->pairs > y->pairs; });
  uint32_t cumulative = 0;
  for (const Tally* tally : ranked) {
    cumulative += tally->pairs;
    prism::v1::RemovalStep* step = result->add_removal_plan();
    step->set_group(tally->group.name);
    step->set_pairs(tally->pairs);
    step->set_cumulative_pairs(cumulative);
    for (const std::string& resource : tally->resources)
      step->add_resources(resource);
    step->set_override_line(tally->group.override_line);
    step->set_suggestion(tally->group.suggestion);
  }
}

}  // namespace prism::analyzer
