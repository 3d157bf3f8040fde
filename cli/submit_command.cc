#include "cli/submit_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/include_scanner.h"
#include "cli/scan_cache.h"
#include "cli/service_client.h"
#include "lib/elf/build_id.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/frontend/compilation_database.h"
#include "services/analyzer/service/sha256.h"

namespace prism::cli {
namespace {

constexpr char kVerb[] = "submit";
constexpr size_t kChunkBytes = 1 << 20;
constexpr int kDigestsPerQuery = 10000;

constexpr char kUsage[] =
    R"(usage: prism submit [options] --program NAME -p BUILD_DIR [FILES...]
       prism submit [options] --program NAME FILES... -- COMPILER_FLAGS

Sends a build to prism-analyzer: finds the files each translation unit reads (its main file and
project headers; system headers are the service's own), uploads only those the service lacks,
submits the build and follows its analysis. Prints the analysis id on stdout when it is done;
query it with 'prism conflicts', 'prism explain' and 'prism constraints'.

  --program NAME             the program's name (required)
  -p BUILD_DIR               read BUILD_DIR/compile_commands.json (only FILES, if given)
  FILES... -- FLAGS          analyze FILES compiled with FLAGS
  --binary PATH              key the result by PATH's GNU build-id (for 'prism constraints')
  --overrides FILE           remove conflicts on resources: one 'resource: reason' line each
  --rescan                   preprocess every TU again to find the files it reads, instead of
                             trusting what an unchanged TU read last time (cli/scan_cache.h)
)";

struct SubmitOptions {
  std::string program;
  std::string binary;
  std::vector<std::string> overrides;
  std::vector<std::string> command_line;  // For CommandsFromCommandLine.
  bool rescan = false;
  ServiceConnection connection;
};

// A file of the build by digest: where it is, and its bytes once read (files
// whose scan was remembered are read only if the service lacks them).
struct BuildFile {
  std::string path;
  int64_t size = 0;
  std::optional<std::string> data;
};
using BuildFiles = std::map<std::string, BuildFile>;  // By SHA-256.

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return !in.bad();
}

int ParseSubmitArgs(const std::vector<std::string>& args,
                    SubmitOptions* options) {
  std::vector<std::string> files;
  std::string build_dir;
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
      continue;
    }
    if (arg == "--rescan") {
      options->rescan = true;
      continue;
    }
    if (arg == "--") {
      options->command_line = files;
      options->command_line.insert(options->command_line.end(),
                                   args.begin() + i, args.end());
      files.clear();
      break;
    }
    auto value = [&](const char* name, std::string* out) {
      if (arg == name && i + 1 < args.size()) {
        *out = args[++i];
        return true;
      }
      if (absl::StartsWith(arg, absl::StrCat(name, "="))) {
        *out = arg.substr(std::string(name).size() + 1);
        return true;
      }
      return false;
    };
    std::string overrides;
    if (value("--program", &options->program) || value("-p", &build_dir) ||
        value("--binary", &options->binary)) {
      continue;
    }
    if (value("--overrides", &overrides)) {
      options->overrides.push_back(overrides);
    } else if (absl::StartsWith(arg, "-")) {
      return VerbUsageError(kVerb, absl::StrCat("unknown option '", arg, "'"));
    } else {
      files.push_back(arg);
    }
  }
  if (options->program.empty()) {
    return VerbUsageError(kVerb, "--program NAME is required");
  }
  if (!build_dir.empty()) {
    if (!options->command_line.empty()) {
      return VerbUsageError(
          kVerb, "give either -p BUILD_DIR or FILES... -- FLAGS, not both");
    }
    options->command_line = {"-p", build_dir};
    options->command_line.insert(options->command_line.end(), files.begin(),
                                 files.end());
  }
  if (options->command_line.empty()) {
    return VerbUsageError(kVerb,
                          "no compile commands: give -p BUILD_DIR (with "
                          "compile_commands.json) or FILES... -- FLAGS");
  }
  return FinishConnectionOptions(kVerb, &options->connection);
}

// The manifest, and the contents of every file it names by digest.
int BuildManifest(const SubmitOptions& options, v1::Build* build,
                  BuildFiles* contents) {
  absl::StatusOr<std::vector<frontend::CompileCommand>> commands =
      frontend::CommandsFromCommandLine(options.command_line);
  if (!commands.ok()) {
    return VerbUsageError(kVerb, std::string(commands.status().message()));
  }
  if (commands->empty()) {
    return VerbUsageError(kVerb, "no translation units to submit");
  }
  build->set_program(options.program);
  if (!options.binary.empty()) {
    absl::StatusOr<std::string> id = ReadGnuBuildId(options.binary);
    if (!id.ok()) {
      return VerbUsageError(
          kVerb, absl::StrCat("cannot read the GNU build-id of ",
                              options.binary, ": ", id.status().message()));
    }
    build->set_build_id(*id);
  }
  for (const std::string& path : options.overrides) {
    std::string text;
    if (!ReadFile(path, &text)) {
      return VerbUsageError(kVerb,
                            absl::StrCat("cannot read overrides file ", path));
    }
    auto parsed = analyzer::ParseOverrides(text, path);
    if (!parsed.ok()) {
      return VerbUsageError(kVerb, std::string(parsed.status().message()));
    }
    for (const analyzer::Override& override : *parsed) {
      v1::Override* out = build->add_overrides();
      out->set_resource(override.resource);
      out->set_reason(override.reason);
      *out->mutable_declared_at() = override.declared_at;
    }
  }
  const ScanCache scans;
  for (const frontend::CompileCommand& command : *commands) {
    v1::TranslationUnit* unit = build->add_units();
    unit->set_main_file(command.file);
    unit->set_directory(command.directory);
    for (const std::string& argument : command.arguments) {
      unit->add_arguments(argument);
    }
    std::optional<std::vector<v1::SourceFile>> known;
    if (!options.rescan) known = scans.Lookup(command);
    if (known) {
      for (v1::SourceFile& file : *known) {
        contents->emplace(
            file.digest().sha256(),
            BuildFile{file.path(), file.digest().size_bytes(), std::nullopt});
        *unit->add_files() = std::move(file);
      }
      continue;
    }
    absl::StatusOr<std::vector<std::string>> files = FilesReadBy(command);
    if (!files.ok()) {
      return VerbUsageError(kVerb, std::string(files.status().message()));
    }
    for (const std::string& path : *files) {
      std::string data;
      if (!ReadFile(path, &data)) {
        return VerbUsageError(kVerb, absl::StrCat("cannot read ", path));
      }
      v1::SourceFile* file = unit->add_files();
      file->set_path(path);
      file->mutable_digest()->set_sha256(service::Sha256Hex(data));
      file->mutable_digest()->set_size_bytes(static_cast<int64_t>(data.size()));
      (*contents)[file->digest().sha256()] = {path, file->digest().size_bytes(),
                                              std::move(data)};
    }
    scans.Store(command, {unit->files().begin(), unit->files().end()});
  }
  return -1;
}

int UploadMissing(v1::Analyzer::Stub& stub, const ServiceConnection& connection,
                  BuildFiles& contents) {
  std::vector<v1::Digest> missing;
  std::vector<v1::Digest> all;
  for (const auto& [sha, file] : contents) {
    v1::Digest digest;
    digest.set_sha256(sha);
    digest.set_size_bytes(file.size);
    all.push_back(digest);
  }
  for (size_t start = 0; start < all.size(); start += kDigestsPerQuery) {
    v1::FindMissingBlobsRequest request;
    for (size_t i = start; i < std::min(all.size(), start + kDigestsPerQuery);
         ++i) {
      *request.add_digests() = all[i];
    }
    v1::FindMissingBlobsResponse response;
    grpc::ClientContext context;
    PrepareCall(connection, &context);
    grpc::Status status = stub.FindMissingBlobs(&context, request, &response);
    if (!status.ok()) {
      return ReportRpcFailure(kVerb, "asking which files to upload", status);
    }
    missing.insert(missing.end(), response.missing().begin(),
                   response.missing().end());
  }
  std::fprintf(stderr, "prism submit: %zu file(s), %zu to upload\n", all.size(),
               missing.size());
  if (missing.empty()) return -1;
  grpc::ClientContext context;
  PrepareCall(connection, &context);
  v1::UploadBlobsResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::UploadChunk>> writer =
      stub.UploadBlobs(&context, &response);
  for (const v1::Digest& digest : missing) {
    BuildFile& file = contents.at(digest.sha256());
    if (!file.data) {
      std::string data;
      if (!ReadFile(file.path, &data) ||
          service::Sha256Hex(data) != digest.sha256()) {
        std::fprintf(stderr,
                     "prism submit: %s changed while it was being submitted; "
                     "run prism submit again\n",
                     file.path.c_str());
        writer->WritesDone();
        writer->Finish();
        return 2;
      }
      file.data = std::move(data);
    }
    const std::string& data = *file.data;
    size_t offset = 0;
    do {
      v1::UploadChunk chunk;
      *chunk.mutable_digest() = digest;
      chunk.set_offset(static_cast<int64_t>(offset));
      chunk.set_data(data.substr(offset, kChunkBytes));
      offset += chunk.data().size();
      if (!writer->Write(chunk)) break;
    } while (offset < data.size());
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return ReportRpcFailure(kVerb, "uploading files", status);
  return -1;
}

void ShowProgress(const v1::AnalysisProgress& progress, bool terminal,
                  uint32_t* last_done) {
  const uint32_t total = progress.units_total();
  const uint32_t done = progress.units_done();
  if (terminal) {
    constexpr int kWidth = 30;
    const int filled = total == 0 ? 0 : static_cast<int>(kWidth * done / total);
    std::fprintf(stderr, "\r[%s%s] %u/%u TUs (%u cached, %u analysed) %-30.30s",
                 std::string(filled, '=').c_str(),
                 std::string(kWidth - filled, ' ').c_str(), done, total,
                 progress.units_from_cache(), progress.units_analysed(),
                 progress.current_unit().c_str());
    return;
  }
  if (done == *last_done) return;
  *last_done = done;
  std::fprintf(stderr,
               "prism submit: %u/%u translation units (%u from cache, %u "
               "analysed)\n",
               done, total, progress.units_from_cache(),
               progress.units_analysed());
}

}  // namespace

int RunSubmitCommand(const std::vector<std::string>& args) {
  SubmitOptions options;
  if (int status = ParseSubmitArgs(args, &options); status >= 0) return status;
  v1::SubmitRequest submit;
  BuildFiles contents;
  if (int status = BuildManifest(options, submit.mutable_build(), &contents);
      status >= 0) {
    return status;
  }
  std::unique_ptr<v1::Analyzer::Stub> stub = Connect(kVerb, options.connection);
  if (stub == nullptr) return 2;
  if (int status = UploadMissing(*stub, options.connection, contents);
      status >= 0) {
    return status;
  }
  v1::SubmitResponse submitted;
  {
    grpc::ClientContext context;
    PrepareCall(options.connection, &context);
    grpc::Status status = stub->Submit(&context, submit, &submitted);
    if (!status.ok()) return ReportRpcFailure(kVerb, "submitting", status);
  }
  // The analysis may take long: the watch has no deadline of its own, the
  // service ends it when the analysis ends.
  grpc::ClientContext context;
  if (!options.connection.token.empty()) {
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", options.connection.token));
  }
  v1::WatchAnalysisRequest watch;
  watch.set_analysis_id(submitted.analysis_id());
  std::unique_ptr<grpc::ClientReader<v1::AnalysisProgress>> reader =
      stub->WatchAnalysis(&context, watch);
  const bool terminal = isatty(STDERR_FILENO) == 1;
  v1::AnalysisProgress progress, last;
  uint32_t last_done = UINT32_MAX;
  while (reader->Read(&progress)) {
    last = progress;
    ShowProgress(progress, terminal, &last_done);
  }
  if (terminal) std::fputc('\n', stderr);
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return ReportRpcFailure(kVerb, "following the analysis", status);
  }
  if (last.state() == v1::AnalysisProgress::STATE_FAILED) {
    return ReportRpcFailure(
        kVerb, "the analysis failed",
        grpc::Status(static_cast<grpc::StatusCode>(last.error_code()),
                     last.error_message()));
  }
  if (last.state() != v1::AnalysisProgress::STATE_DONE) {
    std::fprintf(stderr,
                 "prism submit: the analyzer stopped reporting before "
                 "the analysis ended\n");
    return 2;
  }
  const std::string link =
      last.link_from_cache()
          ? std::string("from cache")
          : absl::StrCat("run (", last.link_components_solved(), " of ",
                         last.link_components_total(),
                         " call-graph components solved)");
  std::fprintf(stderr,
               "prism submit: done: %d translation units, %u analysed, %u "
               "from cache; link step %s\n",
               submit.build().units_size(), last.units_analysed(),
               submit.build().units_size() - last.units_analysed(),
               link.c_str());
  std::printf("%s\n", submitted.analysis_id().c_str());
  return 0;
}

}  // namespace prism::cli
