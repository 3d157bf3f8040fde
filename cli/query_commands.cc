#include "cli/query_commands.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/service_client.h"
#include "google/protobuf/util/json_util.h"
#include "lib/elf/build_id.h"
#include "services/analyzer/engine/engine.h"

namespace prism::cli {
namespace {

constexpr char kSelectorUsage[] =
    R"(  --analysis ID              the analysis 'prism submit' printed
  --build-id HEX | --binary PATH   the analysis of that binary's GNU build-id
  --program NAME             (alone) the program's most recent analysis
)";

constexpr char kOutputUsage[] =
    R"(  --format=text|json|sarif   report format, as 'prism analyze' (default text)
  -o FILE                    write the report to FILE instead of stdout
)";

struct QueryOptions {
  std::string analysis_id;
  std::string build_id;
  std::string binary;
  std::string program;
  std::string output;
  std::string out;  // prism constraints --out.
  std::string cost_program;  // prism explain --cost.
  analyzer::ReportFormat format = analyzer::ReportFormat::kText;
  std::vector<std::string> positional;
  ServiceConnection connection;
};

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out << contents;
  return static_cast<bool>(out.flush());
}

// -1 to proceed, else an exit code.
int ParseQueryArgs(const std::string& verb, const std::string& usage,
                   const std::vector<std::string>& args,
                   QueryOptions* options) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s%s", usage.c_str(), ConnectionOptionsUsage());
      return 0;
    }
    if (int matched =
            ParseConnectionOption(verb, args, &i, &options->connection);
        matched != 0) {
      if (matched < 0) return 2;
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
    std::string format;
    if (value("--analysis", &options->analysis_id) ||
        value("--build-id", &options->build_id) ||
        value("--binary", &options->binary) ||
        value("--program", &options->program) ||
        value("-o", &options->output) || value("--out", &options->out) ||
        value("--cost", &options->cost_program)) {
      continue;
    }
    if (value("--format", &format)) {
      if (format == "text") {
        options->format = analyzer::ReportFormat::kText;
      } else if (format == "json") {
        options->format = analyzer::ReportFormat::kJson;
      } else if (format == "sarif") {
        options->format = analyzer::ReportFormat::kSarif;
      } else {
        return VerbUsageError(verb,
                              absl::StrCat("unknown format '", format,
                                           "' (want text, json or sarif)"));
      }
    } else if (absl::StartsWith(arg, "-")) {
      return VerbUsageError(verb, absl::StrCat("unknown option '", arg,
                                               "' (or it needs a value)"));
    } else {
      options->positional.push_back(arg);
    }
  }
  if (!options->binary.empty()) {
    absl::StatusOr<std::string> id = ReadGnuBuildId(options->binary);
    if (!id.ok()) {
      return VerbUsageError(
          verb, absl::StrCat("cannot read the GNU build-id of ",
                             options->binary, ": ", id.status().message()));
    }
    options->build_id = *id;
  }
  return FinishConnectionOptions(verb, &options->connection);
}

// Fills `selector` from the options (asking the service for a program's most
// recent analysis when only --program is given); -1 to proceed.
int Select(const std::string& verb, const QueryOptions& options,
           v1::Analyzer::Stub& stub, v1::AnalysisSelector* selector) {
  if (!options.analysis_id.empty()) {
    selector->set_analysis_id(options.analysis_id);
  } else if (!options.build_id.empty()) {
    selector->set_build_id(options.build_id);
  } else if (!options.program.empty()) {
    v1::ListAnalysesRequest request;
    request.set_program(options.program);
    v1::ListAnalysesResponse response;
    grpc::ClientContext context;
    PrepareCall(options.connection, &context);
    grpc::Status status = stub.ListAnalyses(&context, request, &response);
    if (!status.ok()) {
      return ReportRpcFailure(verb, "listing analyses", status);
    }
    if (response.analyses().empty()) {
      std::fprintf(stderr, "prism %s: the analyzer has no analysis of '%s'\n",
                   verb.c_str(), options.program.c_str());
      return 2;
    }
    selector->set_analysis_id(response.analyses(0).analysis_id());
  } else {
    return VerbUsageError(
        verb,
        "name the analysis: --analysis ID, --build-id HEX, --binary "
        "PATH or --program NAME");
  }
  return -1;
}

// Writes `report` to -o FILE or stdout; 0, or 1 after saying why not.
int Emit(const std::string& verb, const QueryOptions& options,
         const std::string& report) {
  if (options.output.empty()) {
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
  } else if (!WriteFile(options.output, report)) {
    std::fprintf(stderr, "prism %s: cannot write %s\n", verb.c_str(),
                 options.output.c_str());
    return 1;
  }
  return 0;
}

int PrintReport(const std::string& verb, const QueryOptions& options,
                const v1::AnalysisResult& result) {
  if (int failed =
          Emit(verb, options, analyzer::FormatReport(result, options.format));
      failed != 0) {
    return failed;
  }
  return result.complete() ? 0 : 1;
}

std::string SiteText(const v1::AccessSite& site) {
  std::string text =
      absl::StrCat(site.access() == v1::ACCESS_KIND_WRITE ? "write" : "read",
                   " at ", site.location().file(), ":", site.location().line());
  if (!site.via().empty()) {
    absl::StrAppend(&text, " via ", absl::StrJoin(site.via(), " -> "));
  }
  return text;
}

// prism explain --cost: constraints by the time they made handlers wait in
// production, each with the conflicts behind it.
int PrintCosts(const std::string& verb, const QueryOptions& options,
               const v1::GetCostsResponse& costs) {
  std::string report;
  if (options.format == analyzer::ReportFormat::kJson) {
    google::protobuf::util::JsonPrintOptions json;
    json.add_whitespace = true;
    json.preserve_proto_field_names = true;
    google::protobuf::util::MessageToJsonString(costs, &report, json);
  } else if (options.format == analyzer::ReportFormat::kText) {
    absl::StrAppend(
        &report, "Constraints of ", options.cost_program, " (build-id ",
        costs.build_id(), ", analysis ", costs.analysis_id(),
        ") by the time they made handlers "
        "wait, over ",
        costs.processes(), " process(es) on ", costs.hosts(), " host(s):\n");
    if (costs.costs().empty()) {
      absl::StrAppend(&report, "  no handler has waited yet\n");
    }
    int rank = 0;
    for (const v1::ConstraintCost& cost : costs.costs()) {
      absl::StrAppendFormat(
          &report, "%3d. %s waits for %s (%s): %llu waits, %.6f s\n", ++rank,
          cost.waiting(), cost.running(),
          cost.kind() == v1::CONFLICT_KIND_GLOBAL ? "global" : "same context",
          static_cast<unsigned long long>(cost.waits()),
          static_cast<double>(cost.wait_nanos()) / 1e9);
      if (cost.conflicts().empty()) {
        absl::StrAppend(&report,
                        "       (no conflict of the analysis: a handler the "
                        "constraints do not name)\n");
      }
      for (const v1::Conflict& conflict : cost.conflicts()) {
        absl::StrAppend(&report, "       ", conflict.resource(), ": ",
                        SiteText(conflict.a_site()), "; ",
                        SiteText(conflict.b_site()), "\n");
      }
    }
  } else {
    return VerbUsageError(verb, "--cost prints text or json");
  }
  return Emit(verb, options, report);
}

int RunCostQuery(const std::string& verb, const QueryOptions& options) {
  if (!options.positional.empty()) {
    return VerbUsageError(verb, "--cost takes no handler names");
  }
  std::unique_ptr<v1::Analyzer::Stub> stub = Connect(verb, options.connection);
  if (stub == nullptr) return 2;
  v1::GetCostsRequest request;
  request.set_program(options.cost_program);
  request.set_build_id(options.build_id);
  v1::GetCostsResponse response;
  grpc::ClientContext context;
  PrepareCall(options.connection, &context);
  grpc::Status status = stub->GetCosts(&context, request, &response);
  if (!status.ok()) return ReportRpcFailure(verb, "querying costs", status);
  return PrintCosts(verb, options, response);
}

}  // namespace

int RunConflictsCommand(const std::vector<std::string>& args) {
  const std::string verb = "conflicts";
  QueryOptions options;
  const std::string usage = absl::StrCat(
      "usage: prism conflicts [options] (--analysis ID | --build-id HEX | "
      "--binary PATH | --program NAME)\n\nPrints an analysis's conflict "
      "matrix with explanations, as 'prism analyze' does.\n\n",
      kSelectorUsage, kOutputUsage);
  if (int status = ParseQueryArgs(verb, usage, args, &options); status >= 0) {
    return status;
  }
  if (!options.positional.empty()) {
    return VerbUsageError(verb, absl::StrCat("unexpected argument '",
                                             options.positional[0], "'"));
  }
  std::unique_ptr<v1::Analyzer::Stub> stub = Connect(verb, options.connection);
  if (stub == nullptr) return 2;
  v1::GetConflictsRequest request;
  if (int status = Select(verb, options, *stub, request.mutable_analysis());
      status >= 0) {
    return status;
  }
  v1::GetConflictsResponse response;
  grpc::ClientContext context;
  PrepareCall(options.connection, &context);
  grpc::Status status = stub->GetConflicts(&context, request, &response);
  if (!status.ok()) return ReportRpcFailure(verb, "querying conflicts", status);
  return PrintReport(verb, options, response.result());
}

int RunExplainCommand(const std::vector<std::string>& args) {
  const std::string verb = "explain";
  QueryOptions options;
  const std::string usage = absl::StrCat(
      "usage: prism explain [options] (--analysis ID | ...) HANDLER_A "
      "[HANDLER_B]\n\nExplains every conflict between two handlers, or every "
      "conflict of one: resource, both access sites, call chains, override "
      "reasons. Handlers are named as reports print them ('on_read', or "
      "'server.c:on_read' for a static one).\n"
      "       prism explain [options] --cost PROGRAM [--build-id HEX | "
      "--binary "
      "PATH]\n\nRanks the constraints of the program's latest analysed build "
      "(or the one named) by the time they made handlers wait in production, "
      "from the telemetry servers report through prism-agent, each with the "
      "conflicts behind it: the list of what to remove first.\n\n",
      kSelectorUsage, kOutputUsage);
  if (int status = ParseQueryArgs(verb, usage, args, &options); status >= 0) {
    return status;
  }
  if (!options.cost_program.empty()) return RunCostQuery(verb, options);
  if (options.positional.empty() || options.positional.size() > 2) {
    return VerbUsageError(verb, "name one or two handlers");
  }
  std::unique_ptr<v1::Analyzer::Stub> stub = Connect(verb, options.connection);
  if (stub == nullptr) return 2;
  v1::ExplainRequest request;
  if (int status = Select(verb, options, *stub, request.mutable_analysis());
      status >= 0) {
    return status;
  }
  request.set_handler_a(options.positional[0]);
  if (options.positional.size() == 2) {
    request.set_handler_b(options.positional[1]);
  }
  v1::ExplainResponse response;
  grpc::ClientContext context;
  PrepareCall(options.connection, &context);
  grpc::Status status = stub->Explain(&context, request, &response);
  if (!status.ok()) return ReportRpcFailure(verb, "explaining", status);
  return PrintReport(verb, options, response.result());
}

int RunConstraintsCommand(const std::vector<std::string>& args) {
  const std::string verb = "constraints";
  QueryOptions options;
  const std::string usage =
      "usage: prism constraints [options] --program NAME (--binary PATH | "
      "--build-id HEX) --out FILE\n\nWrites the binary ConstraintSet the "
      "runtime loads for exactly that build of the program (never another "
      "build's).\n\n  --out FILE                 where to write it\n";
  if (int status = ParseQueryArgs(verb, usage, args, &options); status >= 0) {
    return status;
  }
  if (options.program.empty() || options.build_id.empty() ||
      options.out.empty()) {
    return VerbUsageError(
        verb,
        "needs --program NAME, --binary PATH (or --build-id HEX) and "
        "--out FILE");
  }
  std::unique_ptr<v1::Analyzer::Stub> stub = Connect(verb, options.connection);
  if (stub == nullptr) return 2;
  v1::GetConstraintsRequest request;
  request.set_program(options.program);
  request.set_build_id(options.build_id);
  v1::GetConstraintsResponse response;
  grpc::ClientContext context;
  PrepareCall(options.connection, &context);
  grpc::Status status = stub->GetConstraints(&context, request, &response);
  if (!status.ok()) {
    return ReportRpcFailure(verb, "fetching constraints", status);
  }
  if (!WriteFile(options.out, response.constraints().SerializeAsString())) {
    std::fprintf(stderr, "prism constraints: cannot write %s\n",
                 options.out.c_str());
    return 1;
  }
  return response.constraints().complete() ? 0 : 1;
}

}  // namespace prism::cli
