#include "services/analyzer/engine/registration_api.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/analyzer/engine/data_lines.h"
#include "services/analyzer/engine/embedded_data.h"

namespace prism::analyzer {
namespace {

bool ParseIndex(absl::string_view text, int* out) {
  return absl::SimpleAtoi(text, out) && *out >= 0 && *out < 64;
}

}  // namespace

absl::StatusOr<RegistrationApiTable> ParseRegistrationApis(
    absl::string_view text) {
  RegistrationApiTable table;
  for (const DataLine& line : DataLines(text)) {
    const int line_number = line.number;
    const std::vector<absl::string_view>& words = line.words;
    RegistrationApi api;
    api.name = std::string(words[0]);
    bool has_context = false;
    for (size_t i = 1; i < words.size(); ++i) {
      absl::string_view word = words[i];
      if (absl::ConsumePrefix(&word, "callback=")) {
        for (absl::string_view slot : absl::StrSplit(word, ',')) {
          std::pair<absl::string_view, absl::string_view> parts =
              absl::StrSplit(slot, ':');
          CallbackSlot callback;
          if (!ParseIndex(parts.first, &callback.argument) ||
              !ParseIndex(parts.second, &callback.context_parameter)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "registration table line ", line_number,
                ": bad callback slot '", slot, "' (want ARG:CTXPARAM)"));
          }
          api.callbacks.push_back(callback);
        }
      } else if (absl::ConsumePrefix(&word, "passes=")) {
        for (absl::string_view pass : absl::StrSplit(word, ',')) {
          std::pair<absl::string_view, absl::string_view> parts =
              absl::StrSplit(pass, ':');
          PassedParameter passed;
          bool ok = true;
          if (parts.second == "return") {
            passed.argument = PassedParameter::kReturned;
          } else if (parts.second == "shared") {
            passed.argument = PassedParameter::kShared;
          } else {
            ok = ParseIndex(parts.second, &passed.argument);
          }
          if (!ok || !ParseIndex(parts.first, &passed.parameter)) {
            return absl::InvalidArgumentError(absl::StrCat(
                "registration table line ", line_number,
                ": bad passed parameter '", pass,
                "' (want PARAM:ARG, PARAM:return or PARAM:shared)"));
          }
          api.passes.push_back(passed);
        }
      } else if (word == "unscheduled") {
        api.unscheduled = true;
      } else if (word == "unscheduled=source") {
        api.unscheduled = true;
        api.preload_schedules = true;
      } else if (absl::ConsumePrefix(&word, "context=")) {
        if (!ParseIndex(word, &api.context_argument)) {
          return absl::InvalidArgumentError(
              absl::StrCat("registration table line ", line_number,
                           ": bad context argument '", word, "'"));
        }
        has_context = true;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("registration table line ", line_number,
                         ": unknown field '", word, "'"));
      }
    }
    if (api.callbacks.empty() || !has_context) {
      return absl::InvalidArgumentError(
          absl::StrCat("registration table line ", line_number, ": '", api.name,
                       "' needs callback= and context="));
    }
    table[api.name] = std::move(api);
  }
  return table;
}

const RegistrationApiTable& BuiltinRegistrationApis() {
  static const RegistrationApiTable* table = [] {
    absl::StatusOr<RegistrationApiTable> parsed =
        ParseRegistrationApis(EmbeddedRegistrationApis());
    if (!parsed.ok())
      std::abort();  // Covered by registration_api_test: never at run time.
    return new RegistrationApiTable(std::move(*parsed));
  }();
  return *table;
}

}  // namespace prism::analyzer
