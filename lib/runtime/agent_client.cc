// The runtime's client of prism-agent: at startup, when no constraints file is
// given, prism_runtime_new asks the host's agent (prism.v1.Agent over its Unix
// socket) for this program's constraints, once, with a short deadline; while a
// parallel runtime runs, and when the agent's socket exists at startup, a
// reporter thread sends the scheduler's per-constraint waits to the agent every
// PRISM_TELEMETRY_SECONDS (default 10; 0: never) and once more at
// prism_runtime_free. Linking this library is what enables both: it registers
// itself with the runtime's seams (constraints.h, telemetry_reporter.h) from a
// static initializer, so the runtime core keeps no dependency on gRPC.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "lib/runtime/constraints.h"
#include "lib/runtime/telemetry_reporter.h"
#include "prism/v1/agent_service.grpc.pb.h"

namespace prism::runtime {
namespace {

constexpr int kDefaultTimeoutMs = 200;

// The socket the runtime was told about, or the agent's default.
std::string SocketOrDefault(const std::string& socket) {
  return socket.empty() ? "/run/prism/agent.sock" : socket;
}

// PRISM_AGENT_TIMEOUT_MS, or the default; a bad value is reported, not guessed.
int TimeoutMs(std::string* warning) {
  const char* text = std::getenv("PRISM_AGENT_TIMEOUT_MS");
  if (text == nullptr || *text == '\0') return kDefaultTimeoutMs;
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 1 || value > 60000) {
    *warning = absl::StrFormat(
        " (PRISM_AGENT_TIMEOUT_MS='%s' is not 1..60000; used %d)", text,
        kDefaultTimeoutMs);
    return kDefaultTimeoutMs;
  }
  return value;
}

std::unique_ptr<prism::v1::Agent::Stub> AgentStub(const std::string& socket) {
  grpc::ChannelArguments arguments;
  // Constraint sets of large programs exceed gRPC's 4 MB default.
  arguments.SetMaxReceiveMessageSize(64 << 20);
  return prism::v1::Agent::NewStub(grpc::CreateCustomChannel(
      "unix:" + socket, grpc::InsecureChannelCredentials(), arguments));
}

class AgentClient : public ConstraintSource {
 public:
  explicit AgentClient(const std::string& socket)
      : socket_(SocketOrDefault(socket)) {}

  absl::StatusOr<prism::v1::ConstraintSet> GetConstraints(
      const std::string& program, const std::string& build_id,
      int pid) override {
    // No socket file: the agent is absent. Said plainly, without a connect
    // attempt and its wait.
    struct stat st;
    if (stat(socket_.c_str(), &st) != 0) {
      return absl::UnavailableError(absl::StrFormat(
          "no agent at %s (%s)", socket_, std::strerror(errno)));
    }
    std::string warning;
    const int timeout_ms = TimeoutMs(&warning);
    std::unique_ptr<prism::v1::Agent::Stub> stub = AgentStub(socket_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(timeout_ms));
    // Waiting for the connection belongs to the same deadline: an agent that
    // is starting up may still answer in time.
    context.set_wait_for_ready(true);
    prism::v1::AgentGetConstraintsRequest request;
    request.set_program(program);
    request.set_build_id(build_id);
    request.set_pid(pid);
    prism::v1::AgentGetConstraintsResponse response;
    grpc::Status status = stub->GetConstraints(&context, request, &response);
    if (status.ok()) return std::move(*response.mutable_constraints());
    switch (status.error_code()) {
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return absl::DeadlineExceededError(
            absl::StrFormat("agent at %s did not answer within %d ms%s",
                            socket_, timeout_ms, warning));
      case grpc::StatusCode::NOT_FOUND:
        return absl::NotFoundError(absl::StrFormat(
            "agent at %s has none: %s", socket_, status.error_message()));
      default:
        return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                            absl::StrFormat("agent at %s: %s", socket_,
                                            status.error_message()));
    }
  }

 private:
  std::string socket_;
};

// Sends cumulative snapshots from its own thread; a report the agent does not
// take within the deadline is dropped and counted in the next one.
class AgentReporter : public TelemetryReporter {
 public:
  // `socket` exists.
  AgentReporter(std::string socket, TelemetrySnapshot snapshot, int period_s)
      : socket_(std::move(socket)),
        snapshot_(std::move(snapshot)),
        period_(std::chrono::seconds(period_s)),
        thread_([this] { Run(); }) {}

  ~AgentReporter() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_ptr<prism::v1::Agent::Stub> stub = AgentStub(socket_);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait_for(lock, period_, [this] { return stopping_; });
      // Stopping: this is the last report, whatever was sent before.
      const bool last = stopping_;
      lock.unlock();
      Send(*stub, last ? std::chrono::milliseconds(500)
                       : std::chrono::milliseconds(2000));
      lock.lock();
      if (last) return;
    }
  }

  void Send(prism::v1::Agent::Stub& stub, std::chrono::milliseconds deadline) {
    prism::v1::AgentReportTelemetryRequest request;
    *request.mutable_telemetry() = snapshot_();
    request.mutable_telemetry()->set_reports_dropped(dropped_);
    prism::v1::AgentReportTelemetryResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    if (!stub.ReportTelemetry(&context, request, &response).ok()) ++dropped_;
  }

  const std::string socket_;
  const TelemetrySnapshot snapshot_;
  const std::chrono::seconds period_;
  uint64_t dropped_ = 0;  // Only the reporter's thread touches it.
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // Last: starts once everything above exists.
};

std::unique_ptr<ConstraintSource> NewAgentClient(const std::string& socket) {
  return std::make_unique<AgentClient>(socket);
}

std::unique_ptr<TelemetryReporter> NewAgentReporter(
    const std::string& socket, TelemetrySnapshot snapshot) {
  int period_s = 10;
  if (const char* text = std::getenv("PRISM_TELEMETRY_SECONDS");
      text != nullptr && *text != '\0') {
    if (!absl::SimpleAtoi(text, &period_s) || period_s < 0 ||
        period_s > 86400) {
      std::fprintf(stderr,
                   "prism: PRISM_TELEMETRY_SECONDS='%s' is not 0..86400; "
                   "reporting every 10 s\n",
                   text);
      period_s = 10;
    }
  }
  if (period_s == 0) return nullptr;
  // No agent on this host at startup (a server started from a file, say): no
  // reporter, rather than a thread failing to connect every period.
  std::string path = SocketOrDefault(socket);
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return nullptr;
  return std::make_unique<AgentReporter>(std::move(path), std::move(snapshot),
                                         period_s);
}

const bool kRegistered = [] {
  SetAgentSourceFactory(&NewAgentClient);
  SetTelemetryReporterFactory(&NewAgentReporter);
  return true;
}();

}  // namespace
}  // namespace prism::runtime
