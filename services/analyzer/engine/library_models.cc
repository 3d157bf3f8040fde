#include "services/analyzer/engine/library_models.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/analyzer/engine/data_lines.h"
#include "services/analyzer/engine/embedded_data.h"

namespace prism::analyzer {
namespace {

bool ParseArgumentSet(absl::string_view text, ArgumentSet* set) {
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    int position = 0;
    if (item == "*") {
      set->from_on = 0;
    } else if (absl::ConsumeSuffix(&item, "+")) {
      if (!absl::SimpleAtoi(item, &position) || position < 0) return false;
      set->from_on =
          set->from_on < 0 ? position : std::min(set->from_on, position);
    } else {
      if (!absl::SimpleAtoi(item, &position) || position < 0) return false;
      set->positions.push_back(position);
    }
  }
  return true;
}

}  // namespace

bool ArgumentSet::Contains(int position) const {
  if (from_on >= 0 && position >= from_on) return true;
  return std::find(positions.begin(), positions.end(), position) !=
         positions.end();
}

absl::Status ParseModels(absl::string_view text, absl::string_view file_name,
                         ModelTable* table) {
  // A later file may redefine a model (the user's --model files refine the
  // built-in ones); one file defining a function twice is a mistake.
  std::map<std::string, int, std::less<>> defined_at;
  for (const DataLine& line : DataLines(text)) {
    const int line_number = line.number;
    const std::vector<absl::string_view>& words = line.words;
    FunctionModel model;
    model.name = std::string(words[0]);
    if (auto [it, fresh] = defined_at.emplace(model.name, line_number);
        !fresh) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number, ": '", model.name,
                       "' is already modelled at line ", it->second));
    }
    model.source = absl::StrCat(file_name, ":", line_number);
    auto error = [&](absl::string_view word, absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number, ": '", word, "': ", why));
    };
    for (size_t i = 1; i < words.size(); ++i) {
      absl::string_view word = words[i];
      absl::string_view value = word;
      if (word == "nothing") continue;
      if (absl::ConsumePrefix(&value, "read=")) {
        if (!ParseArgumentSet(value, &model.reads))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "write=")) {
        if (!ParseArgumentSet(value, &model.writes))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "stores=")) {
        FunctionModel::PointerStore store;
        std::pair<absl::string_view, absl::string_view> parts =
            absl::StrSplit(value, absl::MaxSplits(':', 1));
        absl::string_view what = parts.second;
        if (!absl::SimpleAtoi(parts.first, &store.into) || store.into < 0) {
          return error(word, "want stores=N[:argK|:fresh|:same]");
        }
        if (what.empty()) {
          store.kind = FunctionModel::PointerStore::Kind::kUnknown;
        } else if (what == "fresh") {
          store.kind = FunctionModel::PointerStore::Kind::kFresh;
        } else if (what == "same") {
          store.kind = FunctionModel::PointerStore::Kind::kSame;
        } else if (absl::ConsumePrefix(&what, "arg") &&
                   absl::SimpleAtoi(what, &store.from) && store.from >= 0) {
          store.kind = FunctionModel::PointerStore::Kind::kArgument;
        } else {
          return error(word, "want stores=N[:argK|:fresh|:same]");
        }
        model.stores.push_back(store);
      } else if (absl::ConsumePrefix(&value, "deep=")) {
        if (!ParseArgumentSet(value, &model.deep))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "async=")) {
        if (!ParseArgumentSet(value, &model.async))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "locked=")) {
        if (!ParseArgumentSet(value, &model.locked))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "calls=")) {
        if (!ParseArgumentSet(value, &model.calls))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "frees=")) {
        if (!ParseArgumentSet(value, &model.frees))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "releases=")) {
        if (!ParseArgumentSet(value, &model.releases))
          return error(word, "bad argument list");
      } else if (absl::ConsumePrefix(&value, "copies=")) {
        for (absl::string_view pair : absl::StrSplit(value, ',')) {
          std::pair<absl::string_view, absl::string_view> ends =
              absl::StrSplit(pair, absl::MaxSplits(':', 1));
          int destination = -1, source = -1;
          if (!absl::SimpleAtoi(ends.first, &destination) ||
              !absl::SimpleAtoi(ends.second, &source) || destination < 0 ||
              source < 0) {
            return error(word, "want copies=DST:SRC[,DST:SRC...]");
          }
          model.copies.emplace_back(destination, source);
        }
      } else if (absl::ConsumePrefix(&value, "format=") ||
                 absl::ConsumePrefix(&value, "vformat=")) {
        if (!absl::SimpleAtoi(value, &model.format) || model.format < 0) {
          return error(word, "want format=N or vformat=N");
        }
        model.format_va_list = word[0] == 'v';
      } else if (absl::ConsumePrefix(&value, "unknown=")) {
        if (value == "read") {
          model.unknown = FunctionModel::Unknown::kRead;
        } else if (value == "write") {
          model.unknown = FunctionModel::Unknown::kWrite;
        } else {
          return error(word, "want unknown=read or unknown=write");
        }
      } else if (absl::ConsumePrefix(&value, "hidden=")) {
        FunctionModel::Hidden hidden;
        // Qualifiers after the access, in any order.
        for (bool more = true; more;) {
          more = false;
          if (absl::ConsumeSuffix(&value, ":locked")) {
            hidden.locked = more = true;
          } else if (absl::ConsumeSuffix(&value, ":per_thread")) {
            hidden.per_thread = more = true;
          }
        }
        if (absl::ConsumeSuffix(&value, ":write")) {
          hidden.write = true;
        } else if (!absl::ConsumeSuffix(&value, ":read")) {
          return error(word,
                       "want hidden=NAME:read or hidden=NAME:write (optionally "
                       "followed by :locked and/or :per_thread)");
        }
        if (value.empty()) return error(word, "empty hidden-state name");
        hidden.name = std::string(value);
        model.hidden.push_back(std::move(hidden));
      } else if (absl::ConsumePrefix(&value, "returns=")) {
        if (value == "fresh") {
          model.returns = FunctionModel::Returns::kFresh;
        } else if (value == "unknown") {
          model.returns = FunctionModel::Returns::kUnknown;
        } else if (value == "none") {
          model.returns = FunctionModel::Returns::kNone;
        } else if (absl::ConsumePrefix(&value, "hidden:") && !value.empty()) {
          model.returns = FunctionModel::Returns::kHiddenState;
          model.returns_hidden = std::string(value);
        } else if (absl::ConsumePrefix(&value, "arg") &&
                   absl::SimpleAtoi(value, &model.returns_argument) &&
                   model.returns_argument >= 0) {
          model.returns = FunctionModel::Returns::kArgument;
        } else {
          return error(word,
                       "want returns=fresh|unknown|none|argN|hidden:NAME");
        }
      } else {
        return error(word, "unknown field");
      }
    }
    (*table)[model.name] = std::move(model);
  }
  return absl::OkStatus();
}

absl::StatusOr<ModelTable> BuiltinModels() {
  ModelTable table;
  for (const EmbeddedFile& file : EmbeddedModelFiles()) {
    if (absl::Status status = ParseModels(file.contents, file.name, &table);
        !status.ok()) {
      return status;
    }
  }
  return table;
}

}  // namespace prism::analyzer
