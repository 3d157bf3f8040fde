// Reports of an AnalysisResult: text (matrix table plus clang-style notes),
// JSON (DESIGN.md's stable schema) and SARIF 2.1.0.
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/analyzer/engine/engine.h"

namespace prism::analyzer {
namespace {

using prism::v1::AnalysisResult;

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

const char* KindName(prism::v1::ConflictKind kind) {
  return kind == prism::v1::CONFLICT_KIND_GLOBAL ? "global" : "context";
}

const char* AccessName(prism::v1::AccessKind kind) {
  return kind == prism::v1::ACCESS_KIND_WRITE ? "write" : "read";
}

int Cell(const AnalysisResult& result, size_t i, size_t j) {
  const size_t n = result.matrix().size();
  const size_t index = i * n + j;
  if (index >= result.matrix().cells().size()) return 0;
  return static_cast<unsigned char>(result.matrix().cells()[index]);
}

std::string ViaText(const prism::v1::AccessSite& site) {
  std::string out;
  for (int i = 0; i < site.via_size(); ++i) {
    absl::StrAppend(&out, i ? " -> " : "", site.via(i));
  }
  return out;
}

std::string LocationText(const prism::v1::SourceLocation& location) {
  return absl::StrCat(location.file().empty() ? "<unknown>" : location.file(),
                      ":", location.line(), ":", location.column());
}

// The text report lists the first steps of the removal plan; JSON has all.
constexpr int kPlanStepsShown = 10;

constexpr char kAtomicSuggestion[] =
    "only atomic objects (or streams the library locks per call) are "
    "involved: if every access is one atomic operation this conflict can be "
    "removed with PRISM_NO_CONFLICT(\"atomic\") on the declaration or an "
    "overrides line";

std::string HandlerLabel(const prism::v1::Handler& handler) {
  return handler.internal_linkage()
             ? absl::StrCat(handler.name(), " (", handler.file(), ")")
             : handler.name();
}

std::string Text(const AnalysisResult& result) {
  std::string out;
  const size_t n = result.handlers_size();
  absl::StrAppend(&out, "Handlers: ", n,
                  result.complete() ? "" : " (INCOMPLETE analysis)", "\n");
  size_t width = 7;
  for (const prism::v1::Handler& handler : result.handlers()) {
    width = std::max(width, HandlerLabel(handler).size());
  }
  absl::StrAppend(&out, std::string(width + 2, ' '));
  for (size_t j = 0; j < n; ++j) absl::StrAppendFormat(&out, "%3d", j);
  out += "\n";
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppendFormat(&out, "%-*s  ", width,
                          HandlerLabel(result.handlers(i)));
    for (size_t j = 0; j < n; ++j) {
      const int cell = Cell(result, i, j);
      absl::StrAppendFormat(&out, " %d%d", (cell >> 1) & 1, cell & 1);
    }
    absl::StrAppendFormat(&out, "   [%d] %s:%d\n", i, result.handlers(i).file(),
                          result.handlers(i).line());
  }
  out +=
      "Cells are bit1 bit0: 01 global (never concurrent), 10 context "
      "(concurrent only on "
      "different contexts), 11 both.\n";
  for (const prism::v1::Diagnostic& diagnostic : result.diagnostics()) {
    const char* severity =
        diagnostic.severity() == prism::v1::Diagnostic::SEVERITY_ERROR ? "error"
        : diagnostic.severity() == prism::v1::Diagnostic::SEVERITY_WARNING
            ? "warning"
            : "note";
    if (diagnostic.location().file().empty()) {
      absl::StrAppend(&out, "prism: ", severity, ": ", diagnostic.message(),
                      "\n");
    } else {
      absl::StrAppend(&out, LocationText(diagnostic.location()), ": ", severity,
                      ": ", diagnostic.message(), "\n");
    }
  }
  if (result.removal_plan_size() > 0) {
    const size_t pairs = n * (n + 1) / 2;
    absl::StrAppend(
        &out, "Removal plan (make each group safe in turn; handler pairs, of ",
        pairs, ", free of global conflicts after each step):\n");
    int shown = 0;
    for (const prism::v1::RemovalStep& step : result.removal_plan()) {
      if (++shown > kPlanStepsShown) {
        absl::StrAppend(&out, "  ... ", result.removal_plan_size() - shown + 1,
                        " more in --format=json\n");
        break;
      }
      absl::StrAppend(&out, "  ", shown, ". ", step.group(), ": ",
                      step.cumulative_pairs(), " free after this step (holds ",
                      step.held_pairs(), ", alone ", step.pairs(), "); ",
                      step.suggestion(), "\n");
      if (!step.override_line().empty()) {
        absl::StrAppend(&out, "     override: ", step.override_line(), "\n");
      }
    }
  }
  for (const prism::v1::Conflict& conflict : result.conflicts()) {
    const std::string& a = result.handlers(conflict.a()).name();
    const std::string& b = result.handlers(conflict.b()).name();
    std::string removed;
    if (conflict.removed_by_programmer()) {
      removed = absl::StrCat(
          " [removed by the programmer: ", conflict.removal_reason(), "]");
    }
    absl::StrAppend(&out, LocationText(conflict.a_site().location()),
                    ": note: ", KindName(conflict.kind()), " conflict between ",
                    a, " and ", b, " on '", conflict.resource(), "': ", a, " ",
                    AccessName(conflict.a_site().access()), "s it here (via ",
                    ViaText(conflict.a_site()), ")", removed, "\n");
    absl::StrAppend(&out, LocationText(conflict.b_site().location()),
                    ": note: ", b, " ", AccessName(conflict.b_site().access()),
                    "s '", conflict.resource(), "' here (via ",
                    ViaText(conflict.b_site()), ")\n");
    if (conflict.atomic_only()) {
      absl::StrAppend(&out, LocationText(conflict.a_site().location()),
                      ": note: suggestion: ", kAtomicSuggestion, "\n");
    }
  }
  return out;
}

std::string SiteJson(const prism::v1::AccessSite& site) {
  std::string out = absl::StrCat(
      "{\"file\": ", JsonString(site.location().file()),
      ", \"line\": ", site.location().line(),
      ", \"column\": ", site.location().column(), ", \"access\": \"",
      AccessName(site.access()), "\", \"via\": [");
  for (int i = 0; i < site.via_size(); ++i) {
    absl::StrAppend(&out, i ? ", " : "", JsonString(site.via(i)));
  }
  out += "]}";
  return out;
}

std::string Json(const AnalysisResult& result) {
  std::string out = "{\n  \"handlers\": [";
  for (int i = 0; i < result.handlers_size(); ++i) {
    const prism::v1::Handler& handler = result.handlers(i);
    absl::StrAppend(
        &out, i ? "," : "", "\n    {\"name\": ", JsonString(handler.name()),
        ", \"file\": ", JsonString(handler.file()),
        ", \"line\": ", handler.line(), ",\n     \"registrations\": [");
    for (int r = 0; r < handler.registrations_size(); ++r) {
      const prism::v1::Registration& registration = handler.registrations(r);
      absl::StrAppend(
          &out, r ? ", " : "", "{\"api\": ", JsonString(registration.api()),
          ", \"file\": ", JsonString(registration.location().file()),
          ", \"line\": ", registration.location().line(), ", \"via\": [");
      for (int v = 0; v < registration.via_size(); ++v) {
        absl::StrAppend(&out, v ? ", " : "", JsonString(registration.via(v)));
      }
      out += "]}";
    }
    out += "]}";
  }
  out += result.handlers_size() ? "\n  ],\n" : "],\n";
  out += "  \"matrix\": [";
  const size_t n = result.handlers_size();
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&out, i ? ",\n             [" : "[");
    for (size_t j = 0; j < n; ++j)
      absl::StrAppend(&out, j ? ", " : "", Cell(result, i, j));
    out += "]";
  }
  out += "],\n  \"conflicts\": [";
  for (int i = 0; i < result.conflicts_size(); ++i) {
    const prism::v1::Conflict& conflict = result.conflicts(i);
    absl::StrAppend(&out, i ? "," : "", "\n    {\"a\": ", conflict.a(),
                    ", \"b\": ", conflict.b(), ", \"kind\": \"",
                    KindName(conflict.kind()),
                    "\", \"resource\": ", JsonString(conflict.resource()),
                    ",\n     \"a_site\": ", SiteJson(conflict.a_site()),
                    ",\n     \"b_site\": ", SiteJson(conflict.b_site()));
    if (conflict.atomic_only()) {
      absl::StrAppend(&out, ",\n     \"atomic_only\": true, \"suggestion\": ",
                      JsonString(kAtomicSuggestion));
    }
    if (conflict.removed_by_programmer()) {
      absl::StrAppend(
          &out, ",\n     \"removed_by_programmer\": true, \"removal_reason\": ",
          JsonString(conflict.removal_reason()));
    }
    out += "}";
  }
  out += result.conflicts_size() ? "\n  ],\n" : "],\n";
  if (result.removal_plan_size() > 0) {
    out += "  \"removal_plan\": [";
    for (int i = 0; i < result.removal_plan_size(); ++i) {
      const prism::v1::RemovalStep& step = result.removal_plan(i);
      absl::StrAppend(&out, i ? "," : "",
                      "\n    {\"group\": ", JsonString(step.group()),
                      ", \"pairs\": ", step.pairs(),
                      ", \"cumulative_pairs\": ", step.cumulative_pairs(),
                      ", \"held_pairs\": ", step.held_pairs(),
                      ", \"resources\": [");
      for (int r = 0; r < step.resources_size(); ++r) {
        absl::StrAppend(&out, r ? ", " : "", JsonString(step.resources(r)));
      }
      absl::StrAppend(
          &out, "],\n     \"override\": ", JsonString(step.override_line()),
          ", \"suggestion\": ", JsonString(step.suggestion()), "}");
    }
    out += "\n  ],\n";
  }
  absl::StrAppend(&out,
                  "  \"complete\": ", result.complete() ? "true" : "false",
                  ",\n  \"diagnostics\": [");
  for (int i = 0; i < result.diagnostics_size(); ++i) {
    const prism::v1::Diagnostic& diagnostic = result.diagnostics(i);
    const char* severity =
        diagnostic.severity() == prism::v1::Diagnostic::SEVERITY_ERROR ? "error"
        : diagnostic.severity() == prism::v1::Diagnostic::SEVERITY_WARNING
            ? "warning"
            : "note";
    absl::StrAppend(&out, i ? "," : "", "\n    {\"severity\": \"", severity,
                    "\", \"file\": ", JsonString(diagnostic.location().file()),
                    ", \"line\": ", diagnostic.location().line(),
                    ", \"message\": ", JsonString(diagnostic.message()), "}");
  }
  out += result.diagnostics_size() ? "\n  ]\n}\n" : "]\n}\n";
  return out;
}

std::string SarifLocation(const prism::v1::AccessSite& site,
                          absl::string_view message) {
  return absl::StrCat(
      "{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ",
      JsonString(site.location().file()), "}, \"region\": {\"startLine\": ",
      std::max<uint32_t>(1, site.location().line()),
      ", \"startColumn\": ", std::max<uint32_t>(1, site.location().column()),
      "}}, \"message\": {\"text\": ", JsonString(message), "}}");
}

std::string Sarif(const AnalysisResult& result) {
  std::string out =
      "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
      "  \"version\": \"2.1.0\",\n  \"runs\": [{\n"
      "    \"tool\": {\"driver\": {\"name\": \"prism\", \"informationUri\": "
      "\"https://github.com/prism\", \"rules\": [\n"
      "      {\"id\": \"prism-global-conflict\", \"shortDescription\": "
      "{\"text\": \"Handlers "
      "share context-independent data and one writes it: never "
      "concurrent\"}},\n"
      "      {\"id\": \"prism-context-conflict\", \"shortDescription\": "
      "{\"text\": \"Handlers "
      "touch the same data through their context: concurrent only on different "
      "contexts\"}}]}},\n"
      "    \"results\": [";
  for (int i = 0; i < result.conflicts_size(); ++i) {
    const prism::v1::Conflict& conflict = result.conflicts(i);
    const std::string& a = result.handlers(conflict.a()).name();
    const std::string& b = result.handlers(conflict.b()).name();
    const bool global = conflict.kind() == prism::v1::CONFLICT_KIND_GLOBAL;
    std::string message =
        absl::StrCat(KindName(conflict.kind()), " conflict between ", a,
                     " and ", b, " on '", conflict.resource(), "'");
    if (conflict.atomic_only())
      absl::StrAppend(&message, "; ", kAtomicSuggestion);
    absl::StrAppend(
        &out, i ? "," : "", "\n      {\"ruleId\": \"",
        global ? "prism-global-conflict" : "prism-context-conflict",
        "\", \"level\": \"",
        conflict.removed_by_programmer() ? "none"
                                         : (global ? "warning" : "note"),
        "\", \"message\": {\"text\": ", JsonString(message),
        "},\n       \"locations\": [",
        SarifLocation(
            conflict.a_site(),
            absl::StrCat(a, " ", AccessName(conflict.a_site().access()), "s ",
                         conflict.resource(), " via ",
                         ViaText(conflict.a_site()))),
        ",\n         ",
        SarifLocation(
            conflict.b_site(),
            absl::StrCat(b, " ", AccessName(conflict.b_site().access()), "s ",
                         conflict.resource(), " via ",
                         ViaText(conflict.b_site()))),
        "]");
    if (conflict.removed_by_programmer()) {
      absl::StrAppend(&out,
                      ",\n       \"suppressions\": [{\"kind\": \"inSource\", "
                      "\"justification\": ",
                      JsonString(conflict.removal_reason()), "}]");
    }
    out += "}";
  }
  absl::StrAppend(&out, result.conflicts_size() ? "\n    " : "", "],\n");
  // The analysis's own diagnostics (a TU that failed, an unresolved callback,
  // thread-local storage): notifications of the run.
  absl::StrAppend(&out,
                  "    \"invocations\": [{\"executionSuccessful\": true, "
                  "\"toolExecutionNotifications\": [");
  for (int i = 0; i < result.diagnostics_size(); ++i) {
    const prism::v1::Diagnostic& diagnostic = result.diagnostics(i);
    const char* level =
        diagnostic.severity() == prism::v1::Diagnostic::SEVERITY_ERROR ? "error"
        : diagnostic.severity() == prism::v1::Diagnostic::SEVERITY_WARNING
            ? "warning"
            : "note";
    absl::StrAppend(
        &out, i ? "," : "", "\n      {\"level\": \"", level,
        "\", \"message\": {\"text\": ", JsonString(diagnostic.message()), "}");
    if (!diagnostic.location().file().empty()) {
      absl::StrAppend(
          &out,
          ", \"locations\": [{\"physicalLocation\": {\"artifactLocation\": "
          "{\"uri\": ",
          JsonString(diagnostic.location().file()),
          "}, \"region\": {\"startLine\": ",
          std::max<uint32_t>(1, diagnostic.location().line()), "}}}]");
    }
    out += "}";
  }
  absl::StrAppend(&out, result.diagnostics_size() ? "\n    " : "",
                  "]}],\n    \"properties\": {\"complete\": ",
                  result.complete() ? "true" : "false", "}\n  }]\n}\n");
  return out;
}

}  // namespace

std::string FormatReport(const AnalysisResult& result, ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return Json(result);
    case ReportFormat::kSarif:
      return Sarif(result);
    case ReportFormat::kText:
    default:
      return Text(result);
  }
}

}  // namespace prism::analyzer
