#include "cli/report_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "cli/analysis_json.h"
#include "cli/analyze_command.h"
#include "cli/report_page.h"
#include "cli/service_client.h"
#include "google/protobuf/util/json_util.h"
#include "prism/v1/telemetry.pb.h"
#include "services/analyzer/engine/engine.h"

namespace prism::cli {
namespace {

constexpr char kVerb[] = "report";
// Source lines shown on each side of an access site.
constexpr int kSourceContext = 3;

constexpr char kUsage[] =
    R"(usage: prism report [options] (-p BUILD_DIR | ANALYSIS.json | --server ADDR --analysis ID)
       prism report [options] --baseline OLD.json NEW.json

Writes an analysis as one self-contained HTML page (no network needed to open it): the conflict
matrix as a heatmap (click a cell for its explanations and their source lines), the removal plan,
the hue graph and a summary line. With --baseline, the cells that changed between two analyses
and why; exit 1 when NEW has a global conflict OLD lacked.

  -p BUILD_DIR               analyse BUILD_DIR/compile_commands.json in process
  --overrides FILE, --model FILE, -j N   passed to the analysis with -p
  ANALYSIS.json              a saved 'prism analyze --format=json' report
  --server ADDR --analysis ID   an analysis of prism-analyzer
  --baseline OLD.json        compare OLD.json with the analysis given
  --format=html|dot|text|sarif  html (default), dot (the conflict graph, Graphviz), text and
                             sarif (only with --baseline: the diff; sarif lists new conflicts)
  --source-root DIR          where the sites' relative paths start (default: BUILD_DIR with -p,
                             else the current directory)
  --no-source                embed no source lines (for reports that leave the machine)
  --telemetry FILE           the runtime's telemetry of this build (prism.v1.RuntimeTelemetry as
                             protobuf JSON): each constraint's measured waits on the page
  -o FILE                    write to FILE instead of stdout
)";

enum class Format { kHtml, kDot, kText, kSarif };

struct Options {
  std::string build_dir;
  std::vector<std::string> analyze_args;  // --overrides, --model, -j for -p.
  std::string input;
  std::string baseline;
  std::string analysis_id;
  ServiceConnection connection;
  bool use_server = false;
  Format format = Format::kHtml;
  std::string source_root;
  bool embed_sources = true;
  std::string output;
  std::string telemetry;
};

int ReportError(const std::string& message) {
  std::fprintf(stderr, "prism report: %s\n", message.c_str());
  return 2;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

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
      case '<':  // Keeps "</script>" in a source line from ending the page's.
        out += "\\u003c";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

int Cell(const v1::AnalysisResult& result, size_t i, size_t j) {
  const size_t n = result.handlers_size();
  const size_t index = i * n + j;
  return index < result.matrix().cells().size()
             ? static_cast<unsigned char>(result.matrix().cells()[index])
             : 0;
}

// "name" or "name (file)" for internal-linkage handlers, which names alone do
// not identify (DESIGN.md invariant 3). Saved reports do not carry linkage, so
// the file is always part of the key the diff matches handlers by.
std::string HandlerKey(const v1::Handler& handler) {
  return absl::StrCat(handler.name(), "@", handler.file());
}

const char* KindName(v1::ConflictKind kind) {
  return kind == v1::CONFLICT_KIND_GLOBAL ? "global" : "context";
}

std::string SiteText(const v1::AccessSite& site) {
  return absl::StrCat(site.location().file(), ":", site.location().line(), ":",
                      site.location().column(), " ",
                      site.access() == v1::ACCESS_KIND_WRITE ? "write" : "read",
                      " via ", absl::StrJoin(site.via(), " -> "));
}

// ---- Inputs.

int ParseArgs(const std::vector<std::string>& args, Options* options) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s%s", kUsage, ConnectionOptionsUsage());
      return 0;
    }
    if (int matched =
            ParseConnectionOption(kVerb, args, &i, &options->connection);
        matched != 0) {
      if (matched < 0) return 2;
      options->use_server = true;
      continue;
    }
    auto value = [&](const char* name, std::string* out) {
      if (arg == name) {
        if (i + 1 >= args.size()) return false;
        *out = args[++i];
        return true;
      }
      if (absl::StartsWith(arg, absl::StrCat(name, "="))) {
        *out = arg.substr(std::string(name).size() + 1);
        return true;
      }
      return false;
    };
    std::string text;
    if (value("-p", &options->build_dir) ||
        value("--baseline", &options->baseline) ||
        value("--analysis", &options->analysis_id) ||
        value("--source-root", &options->source_root) ||
        value("--telemetry", &options->telemetry) ||
        value("-o", &options->output)) {
      continue;
    }
    if (value("--overrides", &text) || value("--model", &text)) {
      options->analyze_args.push_back(arg.substr(0, arg.find('=')));
      options->analyze_args.push_back(text);
    } else if (value("-j", &text)) {
      options->analyze_args.push_back("-j");
      options->analyze_args.push_back(text);
    } else if (value("--format", &text)) {
      if (text == "html") {
        options->format = Format::kHtml;
      } else if (text == "dot") {
        options->format = Format::kDot;
      } else if (text == "text") {
        options->format = Format::kText;
      } else if (text == "sarif") {
        options->format = Format::kSarif;
      } else {
        return VerbUsageError(
            kVerb, absl::StrCat("unknown format '", text,
                                "' (want html, dot, text or sarif)"));
      }
    } else if (arg == "--no-source") {
      options->embed_sources = false;
    } else if (absl::StartsWith(arg, "-")) {
      return VerbUsageError(kVerb, absl::StrCat("unknown option '", arg,
                                                "' (or it needs a value)"));
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() > 1) {
    return VerbUsageError(
        kVerb, absl::StrCat("unexpected argument '", positional[1], "'"));
  }
  if (!positional.empty()) options->input = positional[0];
  const int sources = !options->build_dir.empty() + !options->input.empty() +
                      !options->analysis_id.empty();
  if (sources != 1) {
    return VerbUsageError(
        kVerb,
        "give one analysis: -p BUILD_DIR, ANALYSIS.json or --server ADDR "
        "--analysis ID");
  }
  if (!options->baseline.empty() && options->format == Format::kDot) {
    return VerbUsageError(kVerb, "--format=dot draws one analysis, not a diff");
  }
  if (options->baseline.empty() &&
      (options->format == Format::kText || options->format == Format::kSarif)) {
    return VerbUsageError(kVerb,
                          "--format=text and sarif are for --baseline diffs "
                          "(prism analyze prints those of one analysis)");
  }
  if (!options->analysis_id.empty()) {
    options->use_server = true;
    return FinishConnectionOptions(kVerb, &options->connection);
  }
  if (options->source_root.empty()) options->source_root = options->build_dir;
  return -1;
}

absl::StatusOr<v1::AnalysisResult> LoadJsonFile(const std::string& path) {
  std::string text;
  if (!ReadFile(path, &text)) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  absl::StatusOr<v1::AnalysisResult> result = ParseAnalysisJson(text);
  if (!result.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", result.status().message()));
  }
  return result;
}

// Runs the same entry point `prism analyze` runs, into a JSON file read back:
// the report shows exactly what `prism analyze --format=json` would print.
absl::StatusOr<v1::AnalysisResult> AnalyzeBuild(const Options& options) {
  char scratch[] = "/tmp/prism-report-XXXXXX";
  const int fd = mkstemp(scratch);
  if (fd < 0) return absl::InternalError("cannot create a temporary file");
  close(fd);
  std::vector<std::string> args = {"--format=json", "-o", scratch, "-p",
                                   options.build_dir};
  args.insert(args.end(), options.analyze_args.begin(),
              options.analyze_args.end());
  // Exit 1 is an incomplete analysis, still a result the report shows.
  const int status = RunAnalyzeCommand(args);
  absl::StatusOr<v1::AnalysisResult> result =
      status <= 1 ? LoadJsonFile(scratch)
                  : absl::InvalidArgumentError(
                        "the analysis failed (see the line above)");
  std::remove(scratch);
  return result;
}

absl::StatusOr<v1::AnalysisResult> FetchFromService(const Options& options) {
  std::unique_ptr<v1::Analyzer::Stub> stub = Connect(kVerb, options.connection);
  // Connect and ReportRpcFailure print their one line themselves: the empty
  // message tells RunReportCommand that nothing is left to say.
  if (stub == nullptr) return absl::UnavailableError("");
  v1::GetConflictsRequest request;
  request.mutable_analysis()->set_analysis_id(options.analysis_id);
  v1::GetConflictsResponse response;
  grpc::ClientContext context;
  PrepareCall(options.connection, &context);
  grpc::Status status = stub->GetConflicts(&context, request, &response);
  if (!status.ok()) {
    ReportRpcFailure(kVerb, "querying conflicts", status);
    return absl::UnavailableError("");
  }
  return response.result();
}

absl::StatusOr<v1::AnalysisResult> LoadAnalysis(const Options& options) {
  if (!options.build_dir.empty()) return AnalyzeBuild(options);
  if (options.use_server) return FetchFromService(options);
  return LoadJsonFile(options.input);
}

// The measured waits, costliest first, as the page's JSON ("null" without
// telemetry); handler indices are checked against the analysis.
absl::StatusOr<std::string> TelemetryJson(const Options& options,
                                          const v1::AnalysisResult& result) {
  if (options.telemetry.empty()) return std::string("null");
  std::string text;
  if (!ReadFile(options.telemetry, &text)) {
    return absl::NotFoundError(absl::StrCat("cannot read ", options.telemetry));
  }
  v1::RuntimeTelemetry telemetry;
  if (auto status =
          google::protobuf::util::JsonStringToMessage(text, &telemetry);
      !status.ok()) {
    std::string why = status.message().as_string();
    return absl::InvalidArgumentError(
        absl::StrCat(options.telemetry, ": not RuntimeTelemetry JSON (",
                     why.substr(0, why.find('\n')), ")"));
  }
  std::vector<v1::ConstraintWait> waits(telemetry.waits().begin(),
                                        telemetry.waits().end());
  for (const v1::ConstraintWait& wait : waits) {
    const uint32_t n = result.handlers_size();
    if (wait.waiting() >= n || wait.running() >= n) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.telemetry, ": a wait names handler ",
          std::max(wait.waiting(), wait.running()), ", but the analysis has ",
          n, " handler(s): telemetry of another build?"));
    }
  }
  std::sort(waits.begin(), waits.end(), [](const auto& x, const auto& y) {
    return x.wait_nanos() > y.wait_nanos();
  });
  std::string out = absl::StrCat(
      "{\"mode\": ", JsonString(telemetry.mode()),
      ", \"window_nanos\": ", telemetry.window_nanos(), ", \"waits\": [");
  for (size_t k = 0; k < waits.size(); ++k) {
    absl::StrAppend(&out, k ? ", " : "", "[", waits[k].waiting(), ", ",
                    waits[k].running(), ", \"", KindName(waits[k].kind()),
                    "\", ", waits[k].waits(), ", ", waits[k].wait_nanos(), "]");
  }
  return out + "]}";
}

// ---- Summary figures, shared by every format.

struct Summary {
  size_t handlers = 0;
  size_t pairs = 0;
  size_t free_of_global = 0;
  size_t fully_free = 0;
};

Summary Summarize(const v1::AnalysisResult& result) {
  Summary summary;
  summary.handlers = result.handlers_size();
  for (size_t i = 0; i < summary.handlers; ++i) {
    for (size_t j = i; j < summary.handlers; ++j) {
      const int cell = Cell(result, i, j);
      ++summary.pairs;
      summary.free_of_global += (cell & 1) == 0;
      summary.fully_free += cell == 0;
    }
  }
  return summary;
}

std::vector<std::string> IncompleteReasons(const v1::AnalysisResult& result) {
  std::vector<std::string> reasons(result.incomplete_reasons().begin(),
                                   result.incomplete_reasons().end());
  if (reasons.empty() && !result.complete()) {
    for (const v1::Diagnostic& diagnostic : result.diagnostics()) {
      if (diagnostic.severity() != v1::Diagnostic::SEVERITY_NOTE)
        reasons.push_back(diagnostic.message());
    }
  }
  return reasons;
}

// ---- The HTML page.

// The lines around one site, keyed "file:line"; files read once each.
class SourceSnippets {
 public:
  explicit SourceSnippets(std::string root) : root_(std::move(root)) {}

  // JSON {"first": N, "lines": [...]} or null when the file cannot be read.
  std::string Snippet(const std::string& file, int line) {
    auto [it, inserted] = files_.try_emplace(file);
    if (inserted) {
      std::string path = file;
      if (!file.empty() && file[0] != '/' && !root_.empty())
        path = absl::StrCat(root_, "/", file);
      std::string text;
      if (ReadFile(path, &text)) {
        it->second.readable = true;
        it->second.lines = absl::StrSplit(text, '\n');
      }
    }
    const FileLines& lines = it->second;
    if (!lines.readable || line < 1 ||
        line > static_cast<int>(lines.lines.size())) {
      return "null";
    }
    const int first = std::max(1, line - kSourceContext);
    const int last =
        std::min(static_cast<int>(lines.lines.size()), line + kSourceContext);
    std::string out = absl::StrCat("{\"first\": ", first, ", \"lines\": [");
    for (int k = first; k <= last; ++k) {
      absl::StrAppend(&out, k > first ? ", " : "",
                      JsonString(lines.lines[k - 1]));
    }
    return out + "]}";
  }

 private:
  struct FileLines {
    bool readable = false;
    std::vector<std::string> lines;
  };
  std::string root_;
  std::map<std::string, FileLines> files_;
};

std::string SiteJson(const v1::AccessSite& site) {
  std::string via;
  for (const std::string& step : site.via()) {
    absl::StrAppend(&via, via.empty() ? "" : ", ", JsonString(step));
  }
  return absl::StrCat("{\"file\": ", JsonString(site.location().file()),
                      ", \"line\": ", site.location().line(),
                      ", \"column\": ", site.location().column(),
                      ", \"access\": \"",
                      site.access() == v1::ACCESS_KIND_WRITE ? "write" : "read",
                      "\", \"via\": [", via, "]}");
}

// The page's data, once: cells only where something is set or was removed,
// so its size follows the conflicts, not handlers².
std::string PageData(const v1::AnalysisResult& result, const Options& options,
                     const std::string& telemetry) {
  const size_t n = result.handlers_size();
  const Summary summary = Summarize(result);
  const v1::ConstraintSet constraints =
      analyzer::BuildConstraintSet(result, "");
  std::string out =
      absl::StrCat("{\"program\": ", JsonString(result.program()),
                   ", \"complete\": ", result.complete() ? "true" : "false",
                   ", \"incomplete_reasons\": [");
  const std::vector<std::string> reasons = IncompleteReasons(result);
  for (size_t k = 0; k < reasons.size(); ++k) {
    absl::StrAppend(&out, k ? ", " : "", JsonString(reasons[k]));
  }
  absl::StrAppend(
      &out, "], \"summary\": {\"handlers\": ", summary.handlers,
      ", \"pairs\": ", summary.pairs,
      ", \"free_of_global\": ", summary.free_of_global,
      ", \"fully_free\": ", summary.fully_free,
      "}, \"sources_embedded\": ", options.embed_sources ? "true" : "false",
      ", \"telemetry\": ", telemetry, ", \"handlers\": [");
  for (size_t i = 0; i < n; ++i) {
    const v1::Handler& handler = result.handlers(i);
    absl::StrAppend(
        &out, i ? ",\n" : "", "{\"name\": ", JsonString(handler.name()),
        ", \"file\": ", JsonString(handler.file()),
        ", \"line\": ", handler.line(), ", \"hue\": ", constraints.hue(i), "}");
  }
  // Upper triangle: [i, j, value, removed] where value != 0 or a conflict of
  // the pair was removed by the programmer.
  std::set<std::pair<uint32_t, uint32_t>> removed_pairs;
  for (const v1::Conflict& conflict : result.conflicts()) {
    if (conflict.removed_by_programmer()) {
      removed_pairs.insert(std::minmax(conflict.a(), conflict.b()));
    }
  }
  out += "],\n\"cells\": [";
  bool first = true;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) {
      const int cell = Cell(result, i, j);
      const bool removed = removed_pairs.count(
          {static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
      if (cell == 0 && !removed) continue;
      absl::StrAppend(&out, first ? "" : ",", "[", i, ",", j, ",", cell, ",",
                      removed ? 1 : 0, "]");
      first = false;
    }
  }
  out += "],\n\"conflicts\": [";
  SourceSnippets snippets(options.source_root);
  std::map<std::string, std::string> sources;
  for (int k = 0; k < result.conflicts_size(); ++k) {
    const v1::Conflict& conflict = result.conflicts(k);
    absl::StrAppend(&out, k ? ",\n" : "", "{\"a\": ", conflict.a(),
                    ", \"b\": ", conflict.b(), ", \"kind\": \"",
                    KindName(conflict.kind()),
                    "\", \"resource\": ", JsonString(conflict.resource()),
                    ", \"a_site\": ", SiteJson(conflict.a_site()),
                    ", \"b_site\": ", SiteJson(conflict.b_site()));
    if (conflict.removed_by_programmer()) {
      absl::StrAppend(&out,
                      ", \"removed\": ", JsonString(conflict.removal_reason()));
    }
    out += "}";
    if (!options.embed_sources) continue;
    for (const v1::AccessSite* site :
         {&conflict.a_site(), &conflict.b_site()}) {
      const std::string key =
          absl::StrCat(site->location().file(), ":", site->location().line());
      if (sources.count(key) == 0) {
        sources[key] =
            snippets.Snippet(site->location().file(), site->location().line());
      }
    }
  }
  out += "],\n\"sources\": {";
  first = true;
  for (const auto& [key, snippet] : sources) {
    absl::StrAppend(&out, first ? "" : ",\n", JsonString(key), ": ", snippet);
    first = false;
  }
  out += "},\n\"plan\": [";
  for (int k = 0; k < result.removal_plan_size(); ++k) {
    const v1::RemovalStep& step = result.removal_plan(k);
    absl::StrAppend(&out, k ? ",\n" : "",
                    "{\"group\": ", JsonString(step.group()),
                    ", \"pairs\": ", step.pairs(),
                    ", \"cumulative_pairs\": ", step.cumulative_pairs(),
                    ", \"held_pairs\": ", step.held_pairs(),
                    ", \"override\": ", JsonString(step.override_line()),
                    ", \"suggestion\": ", JsonString(step.suggestion()), "}");
  }
  return out + "]}";
}

std::string Html(const v1::AnalysisResult& result, const Options& options,
                 const std::string& telemetry) {
  const std::string title = HtmlEscape(absl::StrCat(
      "Prism report", result.program().empty() ? "" : ": ", result.program()));
  return absl::StrReplaceAll(
      ReportPageTemplate(),
      {{"@TITLE@", title}, {"@DATA@", PageData(result, options, telemetry)}});
}

// ---- DOT: the conflict graph (one edge per conflicting pair).

std::string DotId(absl::string_view text) {
  return absl::StrCat(
      "\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

std::string Dot(const v1::AnalysisResult& result) {
  std::string out =
      "// prism report --format=dot: handlers and their conflicts (red: "
      "global, blue dashed: context only)\ngraph conflicts {\n  node "
      "[shape=box, fontname=\"monospace\"];\n";
  const size_t n = result.handlers_size();
  const v1::ConstraintSet constraints =
      analyzer::BuildConstraintSet(result, "");
  for (size_t i = 0; i < n; ++i) {
    absl::StrAppend(&out, "  h", i,
                    " [label=", DotId(result.handlers(i).name()),
                    ", tooltip=", DotId(result.handlers(i).file()),
                    ", group=hue", constraints.hue(i), "];\n");
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) {
      const int cell = Cell(result, i, j);
      if (cell == 0) continue;
      absl::StrAppend(&out, "  h", i, " -- h", j,
                      (cell & 1) ? " [color=\"#D55E00\", penwidth=2]"
                                 : " [color=\"#0072B2\", style=dashed]",
                      ";\n");
    }
  }
  return out + "}\n";
}

// ---- The diff of two analyses.

struct CellChange {
  std::string a;  // Handler names.
  std::string b;
  int old_value = 0;
  int new_value = 0;
  std::vector<std::string> added;    // "kind resource: site / site"
  std::vector<std::string> removed;  // "... (removed by ...)"
  std::vector<const v1::Conflict*> new_conflicts;
};

using ConflictKey = std::tuple<int, std::string>;  // kind, resource.

struct PairConflicts {
  std::map<ConflictKey, const v1::Conflict*> active;
  std::map<ConflictKey, const v1::Conflict*> removed;
};

std::map<std::pair<std::string, std::string>, PairConflicts> ByPair(
    const v1::AnalysisResult& result) {
  std::map<std::pair<std::string, std::string>, PairConflicts> out;
  for (const v1::Conflict& conflict : result.conflicts()) {
    std::string a = HandlerKey(result.handlers(conflict.a()));
    std::string b = HandlerKey(result.handlers(conflict.b()));
    if (b < a) std::swap(a, b);
    PairConflicts& pair = out[{a, b}];
    const ConflictKey key = {conflict.kind(), conflict.resource()};
    (conflict.removed_by_programmer() ? pair.removed : pair.active)
        .emplace(key, &conflict);
  }
  return out;
}

std::string ConflictText(const v1::Conflict& conflict) {
  return absl::StrCat(KindName(conflict.kind()), " on '", conflict.resource(),
                      "': ", SiteText(conflict.a_site()), " / ",
                      SiteText(conflict.b_site()));
}

std::vector<CellChange> Diff(const v1::AnalysisResult& before,
                             const v1::AnalysisResult& after) {
  auto values = [](const v1::AnalysisResult& result) {
    std::map<std::pair<std::string, std::string>, int> cells;
    const size_t n = result.handlers_size();
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i; j < n; ++j) {
        std::string a = HandlerKey(result.handlers(i));
        std::string b = HandlerKey(result.handlers(j));
        if (b < a) std::swap(a, b);
        cells[{a, b}] = Cell(result, i, j);
      }
    }
    return cells;
  };
  auto old_cells = values(before);
  auto new_cells = values(after);
  auto old_conflicts = ByPair(before);
  auto new_conflicts = ByPair(after);
  std::set<std::pair<std::string, std::string>> pairs;
  for (const auto& [pair, value] : old_cells) pairs.insert(pair);
  for (const auto& [pair, value] : new_cells) pairs.insert(pair);
  std::vector<CellChange> changes;
  for (const auto& pair : pairs) {
    const int old_value = old_cells.count(pair) ? old_cells[pair] : 0;
    const int new_value = new_cells.count(pair) ? new_cells[pair] : 0;
    if (old_value == new_value) continue;
    CellChange change;
    change.a = pair.first.substr(0, pair.first.rfind('@'));
    change.b = pair.second.substr(0, pair.second.rfind('@'));
    change.old_value = old_value;
    change.new_value = new_value;
    const PairConflicts& was = old_conflicts[pair];
    const PairConflicts& is = new_conflicts[pair];
    for (const auto& [key, conflict] : is.active) {
      if (was.active.count(key)) continue;
      change.added.push_back(ConflictText(*conflict));
      change.new_conflicts.push_back(conflict);
    }
    for (const auto& [key, conflict] : was.active) {
      if (is.active.count(key)) continue;
      auto overridden = is.removed.find(key);
      change.removed.push_back(absl::StrCat(
          ConflictText(*conflict), " — ",
          overridden != is.removed.end()
              ? absl::StrCat("removed by the programmer: ",
                             overridden->second->removal_reason())
              : std::string(old_cells.count(pair) && new_cells.count(pair)
                                ? "removed by a code change"
                                : "a handler is gone")));
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

std::string Bits(int value) {
  return absl::StrCat((value >> 1) & 1, value & 1);
}

bool GainsGlobal(const CellChange& change) {
  return (change.new_value & 1) && !(change.old_value & 1);
}

std::string DiffText(const std::vector<CellChange>& changes) {
  std::string out = absl::StrCat(changes.size(), " cell(s) changed\n");
  for (const CellChange& change : changes) {
    absl::StrAppend(&out, change.a, " x ", change.b, ": ",
                    Bits(change.old_value), " -> ", Bits(change.new_value),
                    GainsGlobal(change) ? "  NEW GLOBAL CONFLICT" : "", "\n");
    for (const std::string& line : change.added)
      absl::StrAppend(&out, "  + ", line, "\n");
    for (const std::string& line : change.removed)
      absl::StrAppend(&out, "  - ", line, "\n");
  }
  return out;
}

std::string SarifLocation(const v1::AccessSite& site) {
  return absl::StrCat(
      "{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ",
      JsonString(site.location().file()), "}, \"region\": {\"startLine\": ",
      std::max<uint32_t>(1, site.location().line()),
      ", \"startColumn\": ", std::max<uint32_t>(1, site.location().column()),
      "}}}");
}

std::string DiffSarif(const std::vector<CellChange>& changes) {
  std::string out =
      "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
      "  \"version\": \"2.1.0\",\n  \"runs\": [{\n    \"tool\": {\"driver\": "
      "{\"name\": \"prism report\", \"rules\": [\n      {\"id\": "
      "\"prism-new-global-conflict\"}, {\"id\": "
      "\"prism-new-context-conflict\"}]}},\n    \"results\": [";
  bool first = true;
  for (const CellChange& change : changes) {
    for (const v1::Conflict* conflict : change.new_conflicts) {
      const bool global = conflict->kind() == v1::CONFLICT_KIND_GLOBAL;
      absl::StrAppend(
          &out, first ? "" : ",", "\n      {\"ruleId\": \"",
          global ? "prism-new-global-conflict" : "prism-new-context-conflict",
          "\", \"level\": \"", global ? "error" : "note",
          "\", \"message\": {\"text\": ",
          JsonString(absl::StrCat(
              "new ", KindName(conflict->kind()), " conflict between ",
              change.a, " and ", change.b, " on '", conflict->resource(), "'")),
          "}, \"locations\": [", SarifLocation(conflict->a_site()), ", ",
          SarifLocation(conflict->b_site()), "]}");
      first = false;
    }
  }
  return out + (first ? "" : "\n    ") + "]\n  }]\n}\n";
}

std::string DiffHtml(const std::vector<CellChange>& changes,
                     const std::string& old_name, const std::string& new_name) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Prism diff</title><style>body{font-family:sans-serif;margin:1em}"
      "td,th{border:1px solid #999;padding:2px 6px;vertical-align:top}"
      "table{border-collapse:collapse}.new-global{background:#fbe3d4}"
      "code{white-space:pre-wrap}</style></head><body>\n<h1>Prism: what "
      "changed</h1>\n<p id=\"summary\">",
      changes.size(), " cell(s) changed from ", HtmlEscape(old_name), " to ",
      HtmlEscape(new_name),
      "</p>\n<table id=\"changes\"><tr><th>handlers</th><th>was</th><th>is"
      "</th><th>why</th></tr>\n");
  for (const CellChange& change : changes) {
    std::string why;
    for (const std::string& line : change.added)
      absl::StrAppend(&why, "<code>+ ", HtmlEscape(line), "</code><br>");
    for (const std::string& line : change.removed)
      absl::StrAppend(&why, "<code>- ", HtmlEscape(line), "</code><br>");
    absl::StrAppend(&out, "<tr class=\"change",
                    GainsGlobal(change) ? " new-global" : "", "\"><td>",
                    HtmlEscape(change.a), " × ", HtmlEscape(change.b),
                    "</td><td>", Bits(change.old_value), "</td><td>",
                    Bits(change.new_value), "</td><td>", why, "</td></tr>\n");
  }
  return out + "</table></body></html>\n";
}

int Write(const Options& options, const std::string& contents) {
  if (options.output.empty()) {
    std::fwrite(contents.data(), 1, contents.size(), stdout);
    std::fflush(stdout);
    return 0;
  }
  std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out.flush()) return ReportError("cannot write " + options.output);
  return 0;
}

}  // namespace

int RunReportCommand(const std::vector<std::string>& args) {
  Options options;
  if (int status = ParseArgs(args, &options); status >= 0) return status;
  absl::StatusOr<v1::AnalysisResult> result = LoadAnalysis(options);
  if (!result.ok()) {
    if (result.status().message().empty()) return 2;  // Already said why.
    return ReportError(std::string(result.status().message()));
  }
  if (!options.baseline.empty()) {
    absl::StatusOr<v1::AnalysisResult> baseline =
        LoadJsonFile(options.baseline);
    if (!baseline.ok())
      return ReportError(std::string(baseline.status().message()));
    const std::vector<CellChange> changes = Diff(*baseline, *result);
    const std::string new_name =
        options.input.empty() ? "the new analysis" : options.input;
    const std::string text =
        options.format == Format::kText ? DiffText(changes)
        : options.format == Format::kSarif
            ? DiffSarif(changes)
            : DiffHtml(changes, options.baseline, new_name);
    if (int status = Write(options, text); status != 0) return status;
    for (const CellChange& change : changes) {
      if (GainsGlobal(change)) return 1;
    }
    return 0;
  }
  if (options.format == Format::kDot) return Write(options, Dot(*result));
  absl::StatusOr<std::string> telemetry = TelemetryJson(options, *result);
  if (!telemetry.ok()) {
    return ReportError(std::string(telemetry.status().message()));
  }
  return Write(options, Html(*result, options, *telemetry));
}

}  // namespace prism::cli
