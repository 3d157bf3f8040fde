// The runtime's client of prism-agent: at startup, when no constraints file is
// given, prism_runtime_new asks the host's agent (prism.v1.Agent over its Unix
// socket) for this program's constraints, once, with a short deadline. Linking
// this library is what enables it: it registers itself with the runtime's
// agent seam (constraints.h) from a static initializer, so the runtime core
// keeps no dependency on gRPC.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "lib/runtime/constraints.h"
#include "prism/v1/agent_service.grpc.pb.h"

namespace prism::runtime {
namespace {

constexpr char kDefaultSocket[] = "/run/prism/agent.sock";
constexpr int kDefaultTimeoutMs = 200;

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

class AgentClient : public ConstraintSource {
 public:
  explicit AgentClient(std::string socket)
      : socket_(socket.empty() ? kDefaultSocket : std::move(socket)) {}

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
    grpc::ChannelArguments arguments;
    // Constraint sets of large programs exceed gRPC's 4 MB default.
    arguments.SetMaxReceiveMessageSize(64 << 20);
    std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
        "unix:" + socket_, grpc::InsecureChannelCredentials(), arguments);
    std::unique_ptr<prism::v1::Agent::Stub> stub =
        prism::v1::Agent::NewStub(channel);
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
        return absl::DeadlineExceededError(absl::StrFormat(
            "agent at %s did not answer within %d ms%s", socket_, timeout_ms,
            warning));
      case grpc::StatusCode::NOT_FOUND:
        return absl::NotFoundError(absl::StrFormat(
            "agent at %s has none: %s", socket_, status.error_message()));
      default:
        return absl::Status(
            static_cast<absl::StatusCode>(status.error_code()),
            absl::StrFormat("agent at %s: %s", socket_,
                            status.error_message()));
    }
  }

 private:
  std::string socket_;
};

std::unique_ptr<ConstraintSource> NewAgentClient(const std::string& socket) {
  return std::make_unique<AgentClient>(socket);
}

const bool kRegistered = [] {
  SetAgentSourceFactory(&NewAgentClient);
  return true;
}();

}  // namespace
}  // namespace prism::runtime
