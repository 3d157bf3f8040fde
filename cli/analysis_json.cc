#include "cli/analysis_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace prism::cli {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

const Value* Field(const Struct& object, const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

std::string StringField(const Struct& object, const std::string& key) {
  const Value* value = Field(object, key);
  return value != nullptr && value->has_string_value() ? value->string_value()
                                                       : "";
}

// Negative when absent or not a number.
double NumberField(const Struct& object, const std::string& key) {
  const Value* value = Field(object, key);
  return value != nullptr && value->kind_case() == Value::kNumberValue
             ? value->number_value()
             : -1;
}

const ListValue* ListField(const Struct& object, const std::string& key) {
  const Value* value = Field(object, key);
  return value != nullptr && value->has_list_value() ? &value->list_value()
                                                     : nullptr;
}

uint32_t Unsigned(double number) {
  return number < 0 ? 0 : static_cast<uint32_t>(number);
}

void ReadSite(const Struct& object, v1::AccessSite* site) {
  site->mutable_location()->set_file(StringField(object, "file"));
  site->mutable_location()->set_line(Unsigned(NumberField(object, "line")));
  site->mutable_location()->set_column(Unsigned(NumberField(object, "column")));
  site->set_access(StringField(object, "access") == "write"
                       ? v1::ACCESS_KIND_WRITE
                       : v1::ACCESS_KIND_READ);
  if (const ListValue* via = ListField(object, "via")) {
    for (const Value& step : via->values()) site->add_via(step.string_value());
  }
}

}  // namespace

absl::StatusOr<v1::AnalysisResult> ParseAnalysisJson(const std::string& text) {
  Struct root;
  if (auto status = google::protobuf::util::JsonStringToMessage(text, &root);
      !status.ok()) {
    // The parser's message quotes the input over several lines: one line here.
    std::string why = status.message().as_string();
    why = why.substr(0, why.find('\n'));
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON analysis report (", why,
                     "); make one with prism analyze --format=json"));
  }
  const ListValue* handlers = ListField(root, "handlers");
  const ListValue* matrix = ListField(root, "matrix");
  if (handlers == nullptr || matrix == nullptr) {
    return absl::InvalidArgumentError(
        "not an analysis report: no \"handlers\" or \"matrix\" list");
  }
  v1::AnalysisResult result;
  const int n = handlers->values_size();
  for (const Value& value : handlers->values()) {
    v1::Handler* handler = result.add_handlers();
    handler->set_name(StringField(value.struct_value(), "name"));
    handler->set_file(StringField(value.struct_value(), "file"));
    handler->set_line(Unsigned(NumberField(value.struct_value(), "line")));
    if (handler->name().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("handler ", result.handlers_size() - 1, " has no name"));
    }
  }
  if (matrix->values_size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("the matrix has ", matrix->values_size(), " rows for ", n,
                     " handlers"));
  }
  std::string cells(static_cast<size_t>(n) * n, '\0');
  for (int i = 0; i < n; ++i) {
    const ListValue& row = matrix->values(i).list_value();
    if (row.values_size() != n) {
      return absl::InvalidArgumentError(absl::StrCat(
          "matrix row ", i, " has ", row.values_size(), " cells, want ", n));
    }
    for (int j = 0; j < n; ++j) {
      const double cell = row.values(j).number_value();
      if (cell < 0 || cell > 3) {
        return absl::InvalidArgumentError(
            absl::StrCat("matrix cell [", i, "][", j, "] is not 0..3"));
      }
      cells[static_cast<size_t>(i) * n + j] = static_cast<char>(cell);
    }
  }
  result.mutable_matrix()->set_size(n);
  result.mutable_matrix()->set_cells(cells);
  if (const ListValue* conflicts = ListField(root, "conflicts")) {
    for (const Value& value : conflicts->values()) {
      const Struct& object = value.struct_value();
      const double a = NumberField(object, "a");
      const double b = NumberField(object, "b");
      if (a < 0 || b < 0 || a >= n || b >= n) {
        return absl::InvalidArgumentError(
            absl::StrCat("conflict ", result.conflicts_size(),
                         " names handler ", a < 0 || a >= n ? a : b,
                         ", but the report lists ", n, " handler(s)"));
      }
      v1::Conflict* conflict = result.add_conflicts();
      conflict->set_a(Unsigned(a));
      conflict->set_b(Unsigned(b));
      conflict->set_kind(StringField(object, "kind") == "global"
                             ? v1::CONFLICT_KIND_GLOBAL
                             : v1::CONFLICT_KIND_CONTEXT);
      conflict->set_resource(StringField(object, "resource"));
      if (const Value* site = Field(object, "a_site")) {
        ReadSite(site->struct_value(), conflict->mutable_a_site());
      }
      if (const Value* site = Field(object, "b_site")) {
        ReadSite(site->struct_value(), conflict->mutable_b_site());
      }
      const Value* removed = Field(object, "removed_by_programmer");
      conflict->set_removed_by_programmer(removed != nullptr &&
                                          removed->bool_value());
      conflict->set_removal_reason(StringField(object, "removal_reason"));
      const Value* atomic = Field(object, "atomic_only");
      conflict->set_atomic_only(atomic != nullptr && atomic->bool_value());
    }
  }
  if (const ListValue* plan = ListField(root, "removal_plan")) {
    for (const Value& value : plan->values()) {
      const Struct& object = value.struct_value();
      v1::RemovalStep* step = result.add_removal_plan();
      step->set_group(StringField(object, "group"));
      step->set_pairs(Unsigned(NumberField(object, "pairs")));
      step->set_cumulative_pairs(
          Unsigned(NumberField(object, "cumulative_pairs")));
      step->set_held_pairs(Unsigned(NumberField(object, "held_pairs")));
      step->set_override_line(StringField(object, "override"));
      step->set_suggestion(StringField(object, "suggestion"));
      if (const ListValue* resources = ListField(object, "resources")) {
        for (const Value& resource : resources->values())
          step->add_resources(resource.string_value());
      }
    }
  }
  const Value* complete = Field(root, "complete");
  result.set_complete(complete == nullptr || complete->bool_value());
  if (const ListValue* diagnostics = ListField(root, "diagnostics")) {
    for (const Value& value : diagnostics->values()) {
      const Struct& object = value.struct_value();
      v1::Diagnostic* diagnostic = result.add_diagnostics();
      const std::string severity = StringField(object, "severity");
      diagnostic->set_severity(
          severity == "error"     ? v1::Diagnostic::SEVERITY_ERROR
          : severity == "warning" ? v1::Diagnostic::SEVERITY_WARNING
                                  : v1::Diagnostic::SEVERITY_NOTE);
      diagnostic->mutable_location()->set_file(StringField(object, "file"));
      diagnostic->mutable_location()->set_line(
          Unsigned(NumberField(object, "line")));
      diagnostic->set_message(StringField(object, "message"));
    }
  }
  return result;
}

}  // namespace prism::cli
