// prism.v1.Agent over real gRPC to a real prism-agent process: health, bad
// input (each with its status code and message), oversized messages, a flood
// of concurrent requests, garbage and abandoned connections, and an analyzer
// that cannot be reached (degraded, never a crash).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "prism/v1/agent_service.grpc.pb.h"
#include "tests/lib/listening_process.h"
#include "tests/service/analyzer_process.h"

namespace prism::testing {
namespace {

using ::grpc::StatusCode;

constexpr char kAgent[] = "services/scheduler-agent/prism-agent";
constexpr char kBuildId[] = "0123456789abcdef0123456789abcdef01234567";

// A port nothing listens on: bound, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class Agent {
 public:
  explicit Agent(std::vector<std::string> flags = {}) {
    const std::string directory = TestDirectory("agent");
    std::vector<std::string> argv = {kAgent,
                                     "--socket=", "--listen=127.0.0.1:0",
                                     "--cache-dir=" + directory + "/cache"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<ListeningProcess>(std::move(argv),
                                                  directory + "/stderr.log");
    grpc::ChannelArguments arguments;
    arguments.SetMaxSendMessageSize(16 << 20);
    channel_ = grpc::CreateCustomChannel(
        process_->address(), grpc::InsecureChannelCredentials(), arguments);
    channel_->WaitForConnected(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
    stub_ = v1::Agent::NewStub(channel_);
  }

  grpc::Status Get(const std::string& program, const std::string& build_id,
                   v1::AgentGetConstraintsResponse* response = nullptr) {
    v1::AgentGetConstraintsRequest request;
    request.set_program(program);
    request.set_build_id(build_id);
    v1::AgentGetConstraintsResponse ignored;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    return stub_->GetConstraints(&context, request,
                                 response != nullptr ? response : &ignored);
  }

  v1::AgentStatusResponse Status() {
    v1::AgentStatusResponse status;
    grpc::ClientContext context;
    EXPECT_TRUE(
        stub_->GetStatus(&context, v1::AgentStatusRequest(), &status).ok());
    return status;
  }

  grpc::Channel& channel() { return *channel_; }
  v1::Agent::Stub& stub() { return *stub_; }
  ListeningProcess& process() { return *process_; }

 private:
  std::unique_ptr<ListeningProcess> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Agent::Stub> stub_;
};

TEST(AgentRpcTest, HealthCheckingIsOn) {
  Agent agent;
  std::string reply;
  ASSERT_TRUE(HealthCheck(agent.channel(), "", &reply).ok());
  EXPECT_EQ(reply, std::string(kHealthServing, 2));
  ASSERT_TRUE(HealthCheck(agent.channel(), "prism.v1.Agent", &reply).ok());
  EXPECT_EQ(reply, std::string(kHealthServing, 2));
}

TEST(AgentRpcTest, MalformedRequestsAreRefusedWithTheReason) {
  Agent agent;
  grpc::Status empty = agent.Get("", "");
  EXPECT_EQ(empty.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(empty.error_message().find("program name"), std::string::npos)
      << empty.error_message();
  for (const std::string& bad :
       {std::string(""), std::string("xyz"), std::string("DEADBEEF"),
        std::string("../../etc/passwd"), std::string(200, 'a'),
        std::string("abc\0def", 7)}) {
    grpc::Status status = agent.Get("httpd", bad);
    EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_NE(status.error_message().find("is not a GNU build-id"),
              std::string::npos)
        << status.error_message();
  }
  grpc::Status control = agent.Get(std::string("ht\ntpd"), kBuildId);
  EXPECT_EQ(control.error_code(), StatusCode::INVALID_ARGUMENT);
  grpc::Status long_name = agent.Get(std::string(256, 'p'), kBuildId);
  EXPECT_EQ(long_name.error_code(), StatusCode::INVALID_ARGUMENT);
}

TEST(AgentRpcTest, UnknownProgramWithoutAnAnalyzerIsNotFound) {
  Agent agent;
  grpc::Status status = agent.Get("never-built", kBuildId);
  EXPECT_EQ(status.error_code(), StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("no analyzer configured"),
            std::string::npos)
      << status.error_message();
  v1::AgentStatusResponse health = agent.Status();
  EXPECT_FALSE(health.degraded());
  EXPECT_EQ(health.not_found(), 1u);
}

TEST(AgentRpcTest, OversizedMessagesAreRefusedAndTheAgentStaysUp) {
  Agent agent({"--max-message-bytes=65536"});
  grpc::Status status = agent.Get(std::string(1 << 20, 'p'), kBuildId);
  EXPECT_EQ(status.error_code(), StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
  EXPECT_EQ(agent.Get("httpd", kBuildId).error_code(), StatusCode::NOT_FOUND);
}

TEST(AgentRpcTest, AFloodOfConcurrentRequestsIsAnsweredInFull) {
  Agent agent;
  constexpr int kThreads = 16, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> not_found{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (agent.Get("httpd", kBuildId).error_code() == StatusCode::NOT_FOUND)
          not_found.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(not_found.load(), kThreads * kPerThread);
  EXPECT_EQ(agent.Status().requests(), uint64_t{kThreads * kPerThread});
}

TEST(AgentRpcTest, GarbageAndAbandonedConnectionsLeaveItServing) {
  Agent agent;
  const std::string& address = agent.process().address();
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  for (const std::string& payload :
       {std::string(4096, '\xab'),
        std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + std::string(64, '\0'),
        std::string()}) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(static_cast<uint16_t>(port));
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target),
              0);
    ASSERT_EQ(write(fd, payload.data(), payload.size()),
              static_cast<ssize_t>(payload.size()));
    close(fd);
  }
  // A client that gives up mid-request.
  {
    v1::AgentGetConstraintsRequest request;
    request.set_program("httpd");
    request.set_build_id(kBuildId);
    v1::AgentGetConstraintsResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now());
    agent.stub().GetConstraints(&context, request, &response);
  }
  // A runtime that disconnects in the middle of a large report.
  {
    v1::AgentReportTelemetryRequest request;
    request.mutable_telemetry()->set_program("httpd");
    request.mutable_telemetry()->set_build_id(kBuildId);
    request.mutable_telemetry()->set_pid(9);
    for (uint32_t i = 0; i < 20000; ++i) {
      v1::ConstraintWait* wait = request.mutable_telemetry()->add_waits();
      wait->set_waiting(i);
      wait->set_running(i + 1);
      wait->set_waits(1);
    }
    v1::AgentReportTelemetryResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::microseconds(200));
    agent.stub().ReportTelemetry(&context, request, &response);
  }
  EXPECT_EQ(agent.Get("httpd", kBuildId).error_code(), StatusCode::NOT_FOUND);
}

TEST(AgentRpcTest, AnUnreachableAnalyzerMakesItDegradedNotDown) {
  Agent agent({"--analyzer=127.0.0.1:" + std::to_string(ClosedPort()),
               "--analyzer-timeout-ms=1000"});
  grpc::Status status = agent.Get("httpd", kBuildId);
  EXPECT_EQ(status.error_code(), StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("no cached constraints"),
            std::string::npos)
      << status.error_message();
  v1::AgentStatusResponse health = agent.Status();
  EXPECT_TRUE(health.degraded());
  EXPECT_NE(health.degraded_reason().find("127.0.0.1:"), std::string::npos);
  std::string reply;
  ASSERT_TRUE(
      HealthCheck(agent.channel(), "prism.v1.Agent.Analyzer", &reply).ok());
  EXPECT_EQ(reply, std::string("\x08\x02", 2)) << "expected NOT_SERVING";
  ASSERT_TRUE(HealthCheck(agent.channel(), "", &reply).ok());
  EXPECT_EQ(reply, std::string(kHealthServing, 2));
}

// The analyzer's bearer token passes through the agent's flags; an agent
// without it is refused, and says so; a set is fetched once, then cached.
TEST(AgentRpcTest, FetchesFromAnAnalyzerThatWantsAToken) {
  const std::string state = TestDirectory("analyzer-state");
  const std::string source =
      "#include <event2/event.h>\nint n;\n"
      "static void on_tick(evutil_socket_t f, short w, void *a) { n++; }\n"
      "void reg(struct event_base *b) { event_new(b, -1, 0, on_tick, 0); }\n";
  {
    AnalyzerProcess open({"--cache-dir=" + state});
    ASSERT_TRUE(Upload(open.stub(), {source}).ok());
    v1::Build build =
        OneUnitBuild("server.c", {{"server.c", source}}, {"-std=gnu11"});
    build.set_program("server");
    build.set_build_id(kBuildId);
    v1::AnalysisProgress last;
    ASSERT_TRUE(SubmitAndWait(open.stub(), build, &last).ok());
    ASSERT_EQ(last.state(), v1::AnalysisProgress::STATE_DONE)
        << last.error_message();
  }
  const std::string token = state + "/token";
  std::ofstream(token) << "agent-token\n";
  AnalyzerProcess guarded({"--cache-dir=" + state, "--token-file=" + token});

  Agent without({"--analyzer=" + guarded.address()});
  grpc::Status refused = without.Get("server", kBuildId);
  EXPECT_EQ(refused.error_code(), StatusCode::UNAUTHENTICATED)
      << refused.error_message();
  EXPECT_NE(refused.error_message().find(guarded.address()), std::string::npos)
      << refused.error_message();

  Agent with(
      {"--analyzer=" + guarded.address(), "--analyzer-token-file=" + token});
  v1::AgentGetConstraintsResponse response;
  grpc::Status fetched = with.Get("server", kBuildId, &response);
  ASSERT_TRUE(fetched.ok()) << fetched.error_message();
  EXPECT_FALSE(response.from_cache());
  EXPECT_EQ(response.constraints().build_id(), kBuildId);
  EXPECT_EQ(response.constraints().program(), "server");
  ASSERT_TRUE(with.Get("server", kBuildId, &response).ok());
  EXPECT_TRUE(response.from_cache());
  // Another build of the same program: the analyzer has none, and another
  // build's set is never handed out.
  grpc::Status other =
      with.Get("server", std::string(kBuildId).replace(0, 2, "ff"));
  EXPECT_EQ(other.error_code(), StatusCode::NOT_FOUND) << other.error_message();
  v1::AgentStatusResponse status = with.Status();
  EXPECT_EQ(status.fetched(), 1u);
  EXPECT_EQ(status.cache_hits(), 1u);
  EXPECT_EQ(status.not_found(), 1u);
}

TEST(AgentRpcTest, TelemetryIsCheckedThenCounted) {
  Agent agent;
  auto report = [&](const std::string& program, const std::string& build_id,
                    int pid) {
    v1::AgentReportTelemetryRequest request;
    request.mutable_telemetry()->set_program(program);
    request.mutable_telemetry()->set_build_id(build_id);
    request.mutable_telemetry()->set_pid(pid);
    v1::ConstraintWait* wait = request.mutable_telemetry()->add_waits();
    wait->set_waiting(0);
    wait->set_running(1);
    wait->set_kind(v1::CONFLICT_KIND_GLOBAL);
    wait->set_waits(3);
    v1::AgentReportTelemetryResponse response;
    grpc::ClientContext context;
    return agent.stub().ReportTelemetry(&context, request, &response);
  };
  EXPECT_EQ(report("", kBuildId, 7).error_code(), StatusCode::INVALID_ARGUMENT);
  grpc::Status bad_build = report("httpd", "nope", 7);
  EXPECT_EQ(bad_build.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(bad_build.error_message().find("not a GNU build-id"),
            std::string::npos);
  EXPECT_EQ(report("httpd", kBuildId, 0).error_code(),
            StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(report("httpd", kBuildId, 7).ok());
  EXPECT_TRUE(report("httpd", kBuildId, 7).ok());  // The same process again.
  EXPECT_EQ(agent.Status().telemetry_reports(), 2u);
  // Without an analyzer nothing is forwarded, and nothing fails.
  EXPECT_EQ(agent.Status().telemetry_forward_failures(), 0u);
}

}  // namespace
}  // namespace prism::testing
