#include "tests/service/analyzer_process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/strings/match.h"
#include "services/analyzer/service/sha256.h"

namespace prism::testing {

constexpr char kAnalyzer[] = "services/analyzer/service/prism-analyzer";

AnalyzerProcess::AnalyzerProcess(std::vector<std::string> flags) {
  const std::string directory = TestDirectory("analyzer");
  bool has_cache_dir = false;
  for (const std::string& flag : flags) {
    has_cache_dir = has_cache_dir || absl::StartsWith(flag, "--cache-dir=");
  }
  std::vector<std::string> argv = {kAnalyzer, "--listen=127.0.0.1:0",
                                   "--jobs=2"};
  if (!has_cache_dir) argv.push_back("--cache-dir=" + directory + "/state");
  argv.insert(argv.end(), flags.begin(), flags.end());
  process_ = std::make_unique<ListeningProcess>(std::move(argv),
                                                directory + "/stderr.log");
  channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  channel_->WaitForConnected(std::chrono::system_clock::now() +
                             std::chrono::seconds(10));
  stub_ = v1::Analyzer::NewStub(channel_);
}

AnalyzerProcess::~AnalyzerProcess() = default;

v1::Digest DigestOf(const std::string& data) {
  v1::Digest digest;
  digest.set_sha256(service::Sha256Hex(data));
  digest.set_size_bytes(static_cast<int64_t>(data.size()));
  return digest;
}

grpc::Status Upload(v1::Analyzer::Stub& stub,
                    const std::vector<std::string>& blobs, size_t chunk_bytes,
                    const std::string& token) {
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  v1::UploadBlobsResponse response;
  auto writer = stub.UploadBlobs(&context, &response);
  for (const std::string& blob : blobs) {
    size_t offset = 0;
    do {
      v1::UploadChunk chunk;
      *chunk.mutable_digest() = DigestOf(blob);
      chunk.set_offset(static_cast<int64_t>(offset));
      chunk.set_data(blob.substr(offset, chunk_bytes));
      offset += chunk.data().size();
      if (!writer->Write(chunk)) break;
    } while (offset < blob.size());
  }
  writer->WritesDone();
  return writer->Finish();
}

v1::Build OneUnitBuild(const std::string& main,
                       const std::map<std::string, std::string>& files,
                       const std::vector<std::string>& arguments) {
  v1::Build build;
  build.set_program("test");
  v1::TranslationUnit* unit = build.add_units();
  unit->set_directory("/src/project");
  unit->set_main_file(main);
  unit->add_arguments("cc");
  for (const std::string& argument : arguments) unit->add_arguments(argument);
  unit->add_arguments(main);
  for (const auto& [path, contents] : files) {
    v1::SourceFile* file = unit->add_files();
    file->set_path(path);
    *file->mutable_digest() = DigestOf(contents);
  }
  return build;
}

grpc::Status SubmitAndWait(v1::Analyzer::Stub& stub, const v1::Build& build,
                           v1::AnalysisProgress* last,
                           std::string* analysis_id) {
  v1::SubmitRequest request;
  *request.mutable_build() = build;
  v1::SubmitResponse response;
  {
    grpc::ClientContext context;
    grpc::Status status = stub.Submit(&context, request, &response);
    if (!status.ok()) return status;
  }
  if (analysis_id != nullptr) *analysis_id = response.analysis_id();
  grpc::ClientContext context;
  v1::WatchAnalysisRequest watch;
  watch.set_analysis_id(response.analysis_id());
  auto reader = stub.WatchAnalysis(&context, watch);
  v1::AnalysisProgress progress;
  while (reader->Read(&progress)) *last = progress;
  return reader->Finish();
}

}  // namespace prism::testing
