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

// The programmer's override covering a conflict, if any: one side's access
// is to an overridden global or field itself (not through a pointer in it).
const Override* Analysis::FindOverride(const HandlerAccess& a,
                                       const HandlerAccess& b,
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
        if (!IsSelectorField(selector) || DereferencesFrom(selectors, i + 1)) {
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
