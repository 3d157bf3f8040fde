// prism.v1.Analyzer over real gRPC to a real prism-analyzer process: health
// checking and reflection, refused compiler arguments, confinement (an #include
// of a server file fails like a missing file and none of its bytes come back),
// bad inputs each with its status code and message, limits, and the bearer
// token.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/sync_stream.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/service/analyzer_process.h"

namespace prism::testing {
namespace {

using ::grpc::StatusCode;

constexpr char kServer[] = R"(#include <event2/event.h>
int counter;
static void on_tick(evutil_socket_t fd, short what, void *arg) { counter++; }
int main(void) {
  struct event_base *base = event_base_new();
  event_new(base, -1, 0, on_tick, 0);
  return event_base_dispatch(base);
}
)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

grpc::Status Submit(v1::Analyzer::Stub& stub, const v1::Build& build) {
  v1::SubmitRequest request;
  *request.mutable_build() = build;
  v1::SubmitResponse response;
  grpc::ClientContext context;
  return stub.Submit(&context, request, &response);
}

TEST(ServiceRpcTest, HealthCheckingAndReflectionAreOn) {
  AnalyzerProcess analyzer;
  std::string reply;
  grpc::Status status = HealthCheck(*analyzer.channel(), "", &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply, std::string(kHealthServing, 2));

  grpc::internal::RpcMethod method(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING);
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::ByteBuffer, grpc::ByteBuffer>::Create(analyzer.channel()
                                                             .get(),
                                                         method, &context));
  // ServerReflectionRequest{list_services: ""}: field 7, length 0.
  grpc::Slice list("\x3a\x00", 2);
  ASSERT_TRUE(stream->Write(grpc::ByteBuffer(&list, 1)));
  stream->WritesDone();
  grpc::ByteBuffer response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<grpc::Slice> slices;
  response.Dump(&slices);
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  EXPECT_NE(bytes.find("prism.v1.Analyzer"), std::string::npos);
  while (stream->Read(&response)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ServiceRpcTest, AnalysesAnUploadedBuild) {
  AnalyzerProcess analyzer;
  ASSERT_TRUE(Upload(analyzer.stub(), {kServer}).ok());
  v1::AnalysisProgress last;
  std::string id;
  ASSERT_TRUE(SubmitAndWait(analyzer.stub(),
                            OneUnitBuild("server.c", {{"server.c", kServer}},
                                         {"-std=gnu11"}),
                            &last, &id)
                  .ok());
  EXPECT_EQ(last.state(), v1::AnalysisProgress::STATE_DONE)
      << last.error_message();
  EXPECT_EQ(last.units_total(), 1u);
  v1::GetConflictsRequest request;
  request.mutable_analysis()->set_analysis_id(id);
  v1::GetConflictsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(analyzer.stub().GetConflicts(&context, request, &response).ok());
  ASSERT_EQ(response.result().handlers_size(), 1);
  EXPECT_EQ(response.result().handlers(0).name(), "on_tick");
  EXPECT_TRUE(response.result().complete());
  EXPECT_EQ(response.result().matrix().cells(), std::string("\x01", 1));
}

TEST(ServiceRpcTest, RefusesArgumentsThatLoadCodeOrReadServerFiles) {
  AnalyzerProcess analyzer;
  ASSERT_TRUE(Upload(analyzer.stub(), {kServer}).ok());
  const std::vector<std::vector<std::string>> refused = {
      {"-fplugin=/tmp/plugin.so"},
      {"-Xclang", "-load"},
      {"-fpass-plugin=/tmp/pass.so"},
      {"@/tmp/arguments"},
      {"-include", "/etc/passwd"},
      {"-imacros", "/etc/passwd"},
      {"-I/etc"},
      {"-isystem", "/etc"},
      {"--sysroot=/"},
      {"-B/tmp"},
      {"-specs=/tmp/gcc.specs"},
  };
  for (const std::vector<std::string>& arguments : refused) {
    grpc::Status status =
        Submit(analyzer.stub(),
               OneUnitBuild("server.c", {{"server.c", kServer}}, arguments));
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT)
        << arguments.front();
    EXPECT_NE(status.error_message().find(arguments.front()), std::string::npos)
        << status.error_message();
  }
}

// Every byte of every reply of one analysis, for searching.
std::string EveryReply(AnalyzerProcess& analyzer, const std::string& id) {
  std::string all;
  v1::GetConflictsRequest conflicts;
  conflicts.mutable_analysis()->set_analysis_id(id);
  v1::GetConflictsResponse response;
  grpc::ClientContext context;
  EXPECT_TRUE(
      analyzer.stub().GetConflicts(&context, conflicts, &response).ok());
  all += response.SerializeAsString();
  all += response.result().DebugString();
  return all + analyzer.Log();
}

TEST(ServiceRpcTest, IncludeOfAServerFileFailsLikeAMissingFile) {
  const std::string secret = ReadFile("/etc/passwd");
  ASSERT_GT(secret.size(), 10u);
  const std::string first_line = secret.substr(0, secret.find('\n'));
  AnalyzerProcess analyzer;
  for (const char* include : {"/etc/passwd", "../../../../../etc/passwd",
                              "/usr/include/../../etc/passwd"}) {
    const std::string source =
        absl::StrCat("#include \"", include, "\"\nint x;\n");
    ASSERT_TRUE(Upload(analyzer.stub(), {source}).ok());
    v1::AnalysisProgress last;
    std::string id;
    ASSERT_TRUE(SubmitAndWait(analyzer.stub(),
                              OneUnitBuild("main.c", {{"main.c", source}}),
                              &last, &id)
                    .ok());
    ASSERT_EQ(last.state(), v1::AnalysisProgress::STATE_DONE);
    const std::string replies = EveryReply(analyzer, id);
    EXPECT_NE(replies.find("file not found"), std::string::npos) << replies;
    EXPECT_EQ(replies.find(first_line), std::string::npos) << include;
    EXPECT_EQ(last.SerializeAsString().find(first_line), std::string::npos);
  }
}

TEST(ServiceRpcTest, UploadRejectsBytesThatDoNotMatchTheirDigest) {
  AnalyzerProcess analyzer;
  grpc::ClientContext context;
  v1::UploadBlobsResponse response;
  auto writer = analyzer.stub().UploadBlobs(&context, &response);
  v1::UploadChunk chunk;
  *chunk.mutable_digest() = DigestOf("int a;\n");
  chunk.set_data("int b;\n");
  writer->Write(chunk);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("nothing was stored"),
            std::string::npos)
      << status.error_message();
  v1::FindMissingBlobsRequest find;
  *find.add_digests() = DigestOf("int a;\n");
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext find_context;
  ASSERT_TRUE(
      analyzer.stub().FindMissingBlobs(&find_context, find, &missing).ok());
  EXPECT_EQ(missing.missing_size(), 1);
}

TEST(ServiceRpcTest, LargeBlobsArriveInChunksAndTheLimitIsNamed) {
  AnalyzerProcess analyzer({"--max-blob-bytes=1000000"});
  const std::string large(900000, 'x');
  EXPECT_TRUE(Upload(analyzer.stub(), {large}, /*chunk_bytes=*/65536).ok());
  v1::FindMissingBlobsRequest find;
  *find.add_digests() = DigestOf(large);
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext find_context;
  ASSERT_TRUE(
      analyzer.stub().FindMissingBlobs(&find_context, find, &missing).ok());
  EXPECT_EQ(missing.missing_size(), 0);

  // A 100 MB blob: refused at its first chunk.
  grpc::ClientContext context;
  v1::UploadBlobsResponse response;
  auto writer = analyzer.stub().UploadBlobs(&context, &response);
  v1::UploadChunk chunk;
  chunk.mutable_digest()->set_sha256(std::string(64, 'a'));
  chunk.mutable_digest()->set_size_bytes(100 << 20);
  chunk.set_data(std::string(1 << 20, 'y'));
  writer->Write(chunk);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("--max-blob-bytes"), std::string::npos)
      << status.error_message();
}

TEST(ServiceRpcTest, BadInputsGetClearStatuses) {
  AnalyzerProcess analyzer({"--max-units=3", "--max-build-bytes=4096"});
  struct Case {
    std::string what;
    v1::Build build;
    bool has_build = true;
    StatusCode code;
    std::string message;
  };
  std::vector<Case> cases;
  cases.push_back(
      {"no build", {}, false, StatusCode::INVALID_ARGUMENT, "no build"});
  cases.push_back({"empty build",
                   {},
                   true,
                   StatusCode::INVALID_ARGUMENT,
                   "names no program"});
  v1::Build no_units;
  no_units.set_program("p");
  cases.push_back({"no units", no_units, true, StatusCode::INVALID_ARGUMENT,
                   "no translation units"});
  v1::Build relative = OneUnitBuild("a.c", {{"a.c", "int a;"}});
  relative.mutable_units(0)->set_directory("src");
  cases.push_back({"relative directory", relative, true,
                   StatusCode::INVALID_ARGUMENT, "absolute"});
  v1::Build malformed = OneUnitBuild("a.c", {{"a.c", "int a;"}});
  malformed.mutable_units(0)->mutable_files(0)->mutable_digest()->set_sha256(
      "not-a-digest");
  cases.push_back({"malformed digest", malformed, true,
                   StatusCode::INVALID_ARGUMENT, "malformed digest"});
  v1::Build no_main = OneUnitBuild("a.c", {{"b.c", "int b;"}});
  cases.push_back({"main file not listed", no_main, true,
                   StatusCode::INVALID_ARGUMENT, "main file is not among"});
  const std::string never_uploaded = "int never_uploaded;\n";
  cases.push_back(
      {"missing blob", OneUnitBuild("a.c", {{"a.c", never_uploaded}}), true,
       StatusCode::FAILED_PRECONDITION, DigestOf(never_uploaded).sha256()});
  v1::Build many = OneUnitBuild("a.c", {{"a.c", "int a;"}});
  for (int i = 0; i < 3; ++i) *many.add_units() = many.units(0);
  cases.push_back({"too many units", many, true, StatusCode::RESOURCE_EXHAUSTED,
                   "--max-units"});
  v1::Build big = OneUnitBuild("a.c", {{"a.c", std::string(5000, ' ')}});
  cases.push_back({"too many bytes", big, true, StatusCode::RESOURCE_EXHAUSTED,
                   "--max-build-bytes"});
  v1::Build bad_id = OneUnitBuild("a.c", {{"a.c", "int a;"}});
  bad_id.set_build_id("xyz");
  cases.push_back({"bad build-id", bad_id, true, StatusCode::INVALID_ARGUMENT,
                   "not a hex GNU build-id"});
  for (const Case& c : cases) {
    v1::SubmitRequest request;
    if (c.has_build) *request.mutable_build() = c.build;
    v1::SubmitResponse response;
    grpc::ClientContext context;
    grpc::Status status = analyzer.stub().Submit(&context, request, &response);
    EXPECT_EQ(status.error_code(), c.code) << c.what;
    EXPECT_NE(status.error_message().find(c.message), std::string::npos)
        << c.what << ": " << status.error_message();
  }

  v1::FindMissingBlobsRequest find;
  find.add_digests()->set_sha256("../../etc/passwd");
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext find_context;
  grpc::Status status =
      analyzer.stub().FindMissingBlobs(&find_context, find, &missing);
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("malformed digest"), std::string::npos);

  for (const char* id : {"", "0000"}) {
    v1::GetConflictsRequest request;
    if (*id != '\0') request.mutable_analysis()->set_analysis_id(id);
    v1::GetConflictsResponse response;
    grpc::ClientContext context;
    status = analyzer.stub().GetConflicts(&context, request, &response);
    EXPECT_EQ(status.error_code(), *id == '\0' ? StatusCode::INVALID_ARGUMENT
                                               : StatusCode::NOT_FOUND)
        << status.error_message();
  }

  grpc::ClientContext empty_upload_context;
  v1::UploadBlobsResponse uploaded;
  auto writer = analyzer.stub().UploadBlobs(&empty_upload_context, &uploaded);
  writer->WritesDone();
  status = writer->Finish();
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("no chunk"), std::string::npos);
}

TEST(ServiceRpcTest, CodeThatDoesNotParseIsAnIncompleteResult) {
  AnalyzerProcess analyzer;
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>(i * 7));
  for (const std::string& source :
       {garbage, std::string("void on_x(int fd) { this is not C; }\n")}) {
    ASSERT_TRUE(Upload(analyzer.stub(), {source}).ok());
    v1::AnalysisProgress last;
    std::string id;
    ASSERT_TRUE(SubmitAndWait(analyzer.stub(),
                              OneUnitBuild("bad.c", {{"bad.c", source}}), &last,
                              &id)
                    .ok());
    ASSERT_EQ(last.state(), v1::AnalysisProgress::STATE_DONE);
    v1::GetConflictsRequest request;
    request.mutable_analysis()->set_analysis_id(id);
    v1::GetConflictsResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(
        analyzer.stub().GetConflicts(&context, request, &response).ok());
    EXPECT_FALSE(response.result().complete());
    EXPECT_GT(response.result().incomplete_reasons_size(), 0);
  }
}

TEST(ServiceRpcTest, ManyConcurrentSubmitsEachGetAnAnswerAndTheServiceStaysUp) {
  AnalyzerProcess analyzer({"--max-concurrent-builds=2", "--jobs=1"});
  constexpr int kSubmits = 1000;
  std::vector<std::string> sources;
  for (int i = 0; i < kSubmits; ++i) {
    sources.push_back(absl::StrCat("int unit_", i, ";\n"));
  }
  ASSERT_TRUE(Upload(analyzer.stub(), sources).ok());
  std::vector<grpc::Status> statuses(kSubmits);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSubmits; ++i) {
    threads.emplace_back([&, i]() {
      statuses[i] =
          Submit(analyzer.stub(), OneUnitBuild("u.c", {{"u.c", sources[i]}}));
    });
  }
  for (std::thread& thread : threads) thread.join();
  int accepted = 0;
  for (const grpc::Status& status : statuses) {
    if (status.ok()) {
      ++accepted;
      continue;
    }
    EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_NE(status.error_message().find("--max-concurrent-builds"),
              std::string::npos);
  }
  EXPECT_GE(accepted, 1);
  std::string reply;
  EXPECT_TRUE(HealthCheck(*analyzer.channel(), "", &reply).ok());
  EXPECT_EQ(reply, std::string(kHealthServing, 2));
}

TEST(ServiceRpcTest, AnalysisPastItsWallTimeFailsNamingTheLimit) {
  // 200 TUs each parsing a 20000-declaration header take far more than the
  // one second allowed on any machine.
  AnalyzerProcess analyzer({"--max-build-seconds=1", "--jobs=1"});
  std::string header;
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&header, "int declaration_", i, "(int, char *);\n");
  }
  v1::Build build;
  build.set_program("slow");
  std::vector<std::string> blobs = {header};
  for (int i = 0; i < 200; ++i) {
    const std::string source =
        absl::StrCat("#include \"big.h\"\nint unit_", i, ";\n");
    blobs.push_back(source);
    v1::Build one =
        OneUnitBuild(absl::StrCat("u", i, ".c"),
                     {{absl::StrCat("u", i, ".c"), source}, {"big.h", header}});
    *build.add_units() = one.units(0);
  }
  ASSERT_TRUE(Upload(analyzer.stub(), blobs).ok());
  v1::AnalysisProgress last;
  ASSERT_TRUE(SubmitAndWait(analyzer.stub(), build, &last).ok());
  EXPECT_EQ(last.state(), v1::AnalysisProgress::STATE_FAILED);
  EXPECT_EQ(last.error_code(),
            static_cast<int>(StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_NE(last.error_message().find("--max-build-seconds"), std::string::npos)
      << last.error_message();
  EXPECT_LT(last.units_done(), 200u);
}

TEST(ServiceRpcTest, BearerTokenGuardsEveryRpcButHealth) {
  const std::string directory = TestDirectory();
  std::ofstream(directory + "/token") << "s3cret-token\n";
  AnalyzerProcess analyzer({"--token-file=" + directory + "/token"});
  v1::FindMissingBlobsRequest find;
  v1::FindMissingBlobsResponse missing;
  grpc::ClientContext without;
  grpc::Status status =
      analyzer.stub().FindMissingBlobs(&without, find, &missing);
  EXPECT_EQ(status.error_code(), StatusCode::UNAUTHENTICATED);
  grpc::ClientContext wrong;
  wrong.AddMetadata("authorization", "Bearer guess");
  EXPECT_EQ(
      analyzer.stub().FindMissingBlobs(&wrong, find, &missing).error_code(),
      StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Upload(analyzer.stub(), {"x"}).error_code(),
            StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Upload(analyzer.stub(), {"x"}, 1 << 20, "s3cret-token").ok());
  grpc::ClientContext with;
  with.AddMetadata("authorization", "Bearer s3cret-token");
  EXPECT_TRUE(analyzer.stub().FindMissingBlobs(&with, find, &missing).ok());
  std::string reply;
  EXPECT_TRUE(HealthCheck(*analyzer.channel(), "", &reply).ok());
}

}  // namespace
}  // namespace prism::testing
