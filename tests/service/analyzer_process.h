// A real prism-analyzer process for tests: started on 127.0.0.1:0 with the
// given flags, its address read from its first stdout line, stopped (SIGKILL or
// SIGTERM) when the object dies. Plus the client helpers the RPC tests share:
// uploading files, submitting a one-file build, waiting for an analysis to end.
#ifndef PRISM_TESTS_SERVICE_ANALYZER_PROCESS_H_
#define PRISM_TESTS_SERVICE_ANALYZER_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "prism/v1/analyzer_service.grpc.pb.h"
#include "tests/lib/listening_process.h"

namespace prism::testing {

class AnalyzerProcess {
 public:
  // `flags` come after --listen and --cache-dir (a fresh directory unless flags
  // name one).
  explicit AnalyzerProcess(std::vector<std::string> flags = {});
  ~AnalyzerProcess();

  const std::string& address() const { return process_->address(); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  v1::Analyzer::Stub& stub() { return *stub_; }
  // Everything the process wrote on stderr so far.
  std::string Log() const { return process_->Log(); }
  void Kill() { process_->Kill(); }  // SIGKILL, now.

 private:
  std::unique_ptr<ListeningProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Analyzer::Stub> stub_;
};

v1::Digest DigestOf(const std::string& data);

// Uploads `blobs` in one UploadBlobs stream, in chunks of `chunk_bytes`.
grpc::Status Upload(v1::Analyzer::Stub& stub,
                    const std::vector<std::string>& blobs,
                    size_t chunk_bytes = 1 << 20,
                    const std::string& token = "");

// A one-TU build: `files` maps paths (relative to /src/project) to contents;
// the first listed by `main` is compiled with `arguments` (argv[0] and the main
// file are added).
v1::Build OneUnitBuild(const std::string& main,
                       const std::map<std::string, std::string>& files,
                       const std::vector<std::string>& arguments = {});

// Submits, then follows WatchAnalysis to its end; the last progress message.
grpc::Status SubmitAndWait(v1::Analyzer::Stub& stub, const v1::Build& build,
                           v1::AnalysisProgress* last,
                           std::string* analysis_id = nullptr);

}  // namespace prism::testing

#endif  // PRISM_TESTS_SERVICE_ANALYZER_PROCESS_H_
