#include "cli/query_commands.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/service_client.h"
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
        value("-o", &options->output) || value("--out", &options->out)) {
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

int PrintReport(const std::string& verb, const QueryOptions& options,
                const v1::AnalysisResult& result) {
  const std::string report = analyzer::FormatReport(result, options.format);
  if (options.output.empty()) {
    std::fwrite(report.data(), 1, report.size(), stdout);
    std::fflush(stdout);
  } else if (!WriteFile(options.output, report)) {
    std::fprintf(stderr, "prism %s: cannot write %s\n", verb.c_str(),
                 options.output.c_str());
    return 1;
  }
  return result.complete() ? 0 : 1;
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
      "'server.c:on_read' for a static one).\n\n",
      kSelectorUsage, kOutputUsage);
  if (int status = ParseQueryArgs(verb, usage, args, &options); status >= 0) {
    return status;
  }
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
