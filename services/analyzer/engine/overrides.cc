// Programmer overrides (README.md, "Overrides"): parsing an overrides file
// and finding the override that covers a conflict.
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

namespace prism::analyzer {

// True when `selectors[from...]` may go through a pointer: memory the
// overridden object points to is not the object (an override of a pointer
// never covers its pointee). A subscript ("[]") counts too: summaries do
// not tell an array's elements from a pointer's.
bool Analysis::DereferencesFrom(const std::vector<std::string>& selectors,
                                size_t from) {
  for (size_t i = from; i < selectors.size(); ++i) {
    if (!IsSelectorField(selectors[i])) return true;
  }
  return false;
}

// Every override covering one access: the access is to an overridden global
// or field itself (not through a pointer in it), by annotation or by an
// overrides file naming the global, "record::field" or the bare field.
std::vector<Override> Analysis::OverridesOfAccess(
    const HandlerAccess& access) const {
  std::vector<Override> found;
  const std::vector<std::string>& selectors = access.path.selectors;
  auto add_declared = [&](const prism::v1::Declaration& declaration) {
    Override override;
    override.resource = declaration.name();
    override.reason = declaration.override_reason();
    override.declared_at = declaration.location();
    found.push_back(std::move(override));
  };
  const bool whole_global =
      access.path.base == BaseKind::kGlobal && !DereferencesFrom(selectors, 0);
  if (whole_global) {
    auto it = program_.globals().find(access.path.key);
    if (it != program_.globals().end() &&
        !it->second->override_reason().empty()) {
      add_declared(*it->second);
    }
  }
  for (size_t i = 0; i < selectors.size(); ++i) {
    const std::string& selector = selectors[i];
    if (!IsSelectorField(selector) || DereferencesFrom(selectors, i + 1)) {
      continue;
    }
    // "record::field" when the record is known; else any field so named.
    auto it = field_overrides_.find(selector);
    if (it != field_overrides_.end()) {
      add_declared(*it->second);
    } else if (selector.find("::") == std::string::npos) {
      auto bare = bare_field_overrides_.find(selector);
      if (bare != bare_field_overrides_.end()) add_declared(*bare->second);
    }
    for (const Override& override : options_.overrides) {
      if (override.resource == selector ||
          override.resource == FieldName(selector)) {
        found.push_back(override);
      }
    }
  }
  if (whole_global) {
    for (const Override& override : options_.overrides) {
      if (override.resource == access.path.name) found.push_back(override);
    }
  }
  return found;
}

static bool SameOverride(const Override& a, const Override& b) {
  return a.resource == b.resource && a.reason == b.reason &&
         a.declared_at.file() == b.declared_at.file() &&
         a.declared_at.line() == b.declared_at.line() &&
         a.declared_at.column() == b.declared_at.column();
}

// The programmer's override covering a conflict, if any. It must cover both
// sides: an override of a field says the field's own racy accesses are
// harmless, not that `free(c)` or unknown code touching the same bytes is.
// An override naming a resource exactly as reports print it covers the
// conflicts reported on it when both accesses are that resource, or when the
// report names the resource itself (an alias, a handed-over object).
const Override* Analysis::FindOverride(const HandlerAccess& a,
                                       const HandlerAccess& b,
                                       const std::string& resource,
                                       bool resource_named,
                                       Override* scratch) const {
  const std::vector<Override> of_a = OverridesOfAccess(a);
  if (!of_a.empty()) {
    const std::vector<Override> of_b = OverridesOfAccess(b);
    for (const Override& candidate : of_a) {
      for (const Override& other : of_b) {
        if (SameOverride(candidate, other)) {
          *scratch = candidate;
          return scratch;
        }
      }
    }
  }
  // An override naming a function (a logging helper) covers what both sides
  // do inside calls of it: the programmer vouches for its effects.
  auto inside = [](const HandlerAccess& access, const std::string& function) {
    return std::find(access.via.begin(), access.via.end(), function) !=
           access.via.end();
  };
  for (const Override& override : options_.overrides) {
    if (inside(a, override.resource) && inside(b, override.resource))
      return &override;
  }
  // What a registration passes a handler, when it counts as global memory,
  // overlaps every global (like unknown memory): its override covers every
  // conflict it is the reason for, whatever the other side touched.
  auto passed_parameter = [&resource](const HandlerAccess& access) {
    return access.unknown && access.resource == resource &&
           absl::StartsWith(resource, "<handler parameter>");
  };
  const bool both_are_resource =
      resource_named || (a.resource == resource && b.resource == resource) ||
      passed_parameter(a) || passed_parameter(b);
  if (!both_are_resource) return nullptr;
  for (const Override& override : options_.overrides) {
    if (override.resource == resource) return &override;
  }
  return nullptr;
}

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

}  // namespace prism::analyzer
