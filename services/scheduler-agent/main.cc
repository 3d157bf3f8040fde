// prism-agent: the per-host agent (README.md beside this file). Prints where it
// listens as its first stdout lines ("listening on unix:PATH", and "listening
// on HOST:PORT" with --listen), so scripts and tests can read where it went.
#include <grp.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/common/command_line.h"
#include "services/scheduler-agent/agent_service.h"

namespace {

constexpr char kUsage[] =
    R"(usage: prism-agent [options]

Serves prism.v1.Agent (and gRPC health checking) to the servers of this host over a Unix socket:
each asks, at startup, for the constraints of its program and build-id. Answers come from the
on-disk cache, or from the analyzer on a miss; with the analyzer away, the cache still answers.

  --socket=PATH                 Unix socket to serve on (default /run/prism/agent.sock)
  --socket-mode=OCTAL           the socket's permissions (default 0660: owner and group)
  --socket-group=GROUP          the socket's group: the servers that may connect
  --listen=HOST:PORT            also serve on TCP (loopback, for probes and tests; port 0 picks one)
  --cache-dir=DIR               constraint cache, kept across restarts
                                (default ~/.cache/prism/agent)
  --analyzer=HOST:PORT          prism-analyzer to fetch from on a miss (default: none, cache only)
  --analyzer-token-file=FILE    bearer token for the analyzer (FILE's first line)
  --analyzer-tls-ca=FILE        reach the analyzer over TLS, trusting this CA (PEM)
  --analyzer-tls-cert=FILE --analyzer-tls-key=FILE
                                with TLS: present this client certificate and key (PEM)
  --analyzer-timeout-ms=N       deadline of one fetch from the analyzer (default 5000)
  --analyzer-check-seconds=N    how often the analyzer's reachability is checked (default 10)
  --refresh-seconds=N           how often cached sets are asked for again, so that a build
                                re-analysed (new overrides) reaches servers (default 300)
  --telemetry-forward-seconds=N how often runtimes' telemetry goes to the analyzer (default 10)
  --host=NAME                   this host's name in the telemetry (default: the hostname)
  --max-message-bytes=N         largest request accepted (default 1048576)
  --status                      do not serve: ask the agent at --socket (or --listen) for its
                                status, print it; exit 0 healthy, 1 degraded, 2 unreachable
  -h, --help                    print this text
)";

struct Flags {
  std::string socket = "/run/prism/agent.sock";
  mode_t socket_mode = 0660;
  std::string socket_group;
  std::string listen;
  std::string cache_dir;
  std::string analyzer;
  std::string analyzer_token_file;
  std::string analyzer_tls_ca;
  std::string analyzer_tls_cert;
  std::string analyzer_tls_key;
  int64_t analyzer_timeout_ms = 5000;
  int64_t analyzer_check_seconds = 10;
  int64_t telemetry_forward_seconds = 10;
  int64_t refresh_seconds = 300;
  std::string host;
  int64_t max_message_bytes = 1 << 20;
  bool status = false;
};

const prism::daemon::CommandLine kCommandLine("prism-agent", kUsage);

[[noreturn]] void Fail(const std::string& message) {
  kCommandLine.Fail(message);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  flags.cache_dir = prism::daemon::CommandLine::DefaultCacheDirectory("agent");
  kCommandLine.Parse(
      argc, argv, {"--status"},
      [&](const std::string& name, const std::string& value) {
        auto number = [&](int64_t minimum) {
          return kCommandLine.Number(name, value, minimum);
        };
        if (name == "--status") {
          flags.status = true;
        } else if (name == "--socket") {
          flags.socket = value;
        } else if (name == "--socket-mode") {
          char* end = nullptr;
          long mode = std::strtol(value.c_str(), &end, 8);
          if (value.empty() || *end != '\0' || mode < 0 || mode > 0777) {
            Fail(
                absl::StrCat("--socket-mode wants octal permissions such as "
                             "0660, not '",
                             value, "'"));
          }
          flags.socket_mode = static_cast<mode_t>(mode);
        } else if (name == "--socket-group") {
          flags.socket_group = value;
        } else if (name == "--listen") {
          flags.listen = value;
        } else if (name == "--cache-dir") {
          flags.cache_dir = value;
        } else if (name == "--analyzer") {
          flags.analyzer = value;
        } else if (name == "--analyzer-token-file") {
          flags.analyzer_token_file = value;
        } else if (name == "--analyzer-tls-ca") {
          flags.analyzer_tls_ca = value;
        } else if (name == "--analyzer-tls-cert") {
          flags.analyzer_tls_cert = value;
        } else if (name == "--analyzer-tls-key") {
          flags.analyzer_tls_key = value;
        } else if (name == "--analyzer-timeout-ms") {
          flags.analyzer_timeout_ms = number(1);
        } else if (name == "--analyzer-check-seconds") {
          flags.analyzer_check_seconds = number(1);
        } else if (name == "--refresh-seconds") {
          flags.refresh_seconds = number(1);
        } else if (name == "--telemetry-forward-seconds") {
          flags.telemetry_forward_seconds = number(1);
        } else if (name == "--host") {
          if (value.empty()) Fail("--host wants a name");
          flags.host = value;
        } else if (name == "--max-message-bytes") {
          flags.max_message_bytes = number(1024);
        } else {
          return false;
        }
        return true;
      });
  if (flags.socket.empty() && flags.listen.empty()) {
    Fail("nothing to serve on: give --socket or --listen");
  }
  if (!flags.socket.empty() && flags.socket[0] != '/') {
    Fail(absl::StrCat("--socket wants an absolute path, not '", flags.socket,
                      "'"));
  }
  if (flags.socket.size() >= sizeof(sockaddr_un{}.sun_path)) {
    Fail(absl::StrCat("--socket path is longer than a Unix socket allows (",
                      sizeof(sockaddr_un{}.sun_path) - 1, " bytes)"));
  }
  if (flags.analyzer.empty() &&
      (!flags.analyzer_token_file.empty() || !flags.analyzer_tls_ca.empty())) {
    Fail("--analyzer-token-file and --analyzer-tls-ca need --analyzer");
  }
  if (flags.analyzer_tls_cert.empty() != flags.analyzer_tls_key.empty()) {
    Fail("--analyzer-tls-cert and --analyzer-tls-key go together");
  }
  if (!flags.analyzer_tls_cert.empty() && flags.analyzer_tls_ca.empty()) {
    Fail(
        "--analyzer-tls-cert needs --analyzer-tls-ca (a client certificate is "
        "for TLS)");
  }
  return flags;
}

// True when some process accepts connections on the socket at `path`.
bool SomeoneListens(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  bool connected =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

// Makes `path` bindable: its directory exists, and a socket file left by an
// agent that died is removed (one that is still served is an error).
void PrepareSocketPath(const std::string& path) {
  const std::string directory = path.substr(0, path.rfind('/'));
  if (!directory.empty()) {
    if (absl::Status made = prism::service::MakeDirectories(directory);
        !made.ok()) {
      Fail(absl::StrCat("cannot create the socket's directory ", directory,
                        ": ", made.message()));
    }
  }
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) {
    Fail(absl::StrCat(path, " exists and is not a socket; not replacing it"));
  }
  if (SomeoneListens(path)) {
    Fail(absl::StrCat("another process already serves ", path));
  }
  unlink(path.c_str());
}

void SetSocketGroup(const std::string& path, const std::string& group_name) {
  if (group_name.empty()) return;
  group* group = getgrnam(group_name.c_str());
  if (group == nullptr) Fail(absl::StrCat("no group named '", group_name, "'"));
  if (chown(path.c_str(), static_cast<uid_t>(-1), group->gr_gid) != 0) {
    Fail(absl::StrCat("cannot give ", path, " to group ", group_name, ": ",
                      std::strerror(errno)));
  }
}

// Runs `task` every `period` until `stop` is notified, and once at the start
// when `at_once`.
std::thread Periodically(absl::Notification& stop, absl::Duration period,
                         bool at_once, std::function<void()> task) {
  return std::thread([&stop, period, at_once, task = std::move(task)] {
    if (at_once) task();
    while (!stop.WaitForNotificationWithTimeout(period)) task();
  });
}

// --status: one GetStatus call to a running agent, printed for people and
// probes.
int PrintStatus(const Flags& flags) {
  const std::string target =
      flags.listen.empty() ? "unix:" + flags.socket : flags.listen;
  auto stub = prism::v1::Agent::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  prism::v1::AgentStatusResponse status;
  grpc::Status rpc =
      stub->GetStatus(&context, prism::v1::AgentStatusRequest(), &status);
  if (!rpc.ok()) {
    std::fprintf(stderr, "prism-agent: no agent answers at %s: %s\n",
                 target.c_str(), rpc.error_message().c_str());
    return 2;
  }
  std::printf("agent: %s\n", target.c_str());
  std::printf("analyzer: %s\n", status.analyzer().empty()
                                    ? "none (cache only)"
                                    : status.analyzer().c_str());
  std::printf("degraded: %s\n",
              status.degraded()
                  ? absl::StrCat("yes (", status.degraded_reason(), ")").c_str()
                  : "no");
  std::printf("cached sets: %llu\n",
              static_cast<unsigned long long>(status.cached_sets()));
  std::printf(
      "requests: %llu (cache hits %llu, fetched %llu, not found %llu)\n",
      static_cast<unsigned long long>(status.requests()),
      static_cast<unsigned long long>(status.cache_hits()),
      static_cast<unsigned long long>(status.fetched()),
      static_cast<unsigned long long>(status.not_found()));
  std::printf("refreshed: %llu\n",
              static_cast<unsigned long long>(status.refreshed()));
  std::printf(
      "corrupt entries discarded: %llu\n",
      static_cast<unsigned long long>(status.corrupt_entries_discarded()));
  std::printf(
      "telemetry: %llu reports, %llu sums forwarded, %llu failed "
      "forwards\n",
      static_cast<unsigned long long>(status.telemetry_reports()),
      static_cast<unsigned long long>(status.telemetry_forwarded()),
      static_cast<unsigned long long>(status.telemetry_forward_failures()));
  return status.degraded() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // SIGTERM and SIGINT are taken by sigwait below, blocked before any thread
  // (gRPC's included) exists so that none of them receives them.
  sigset_t terminate;
  sigemptyset(&terminate);
  sigaddset(&terminate, SIGTERM);
  sigaddset(&terminate, SIGINT);
  pthread_sigmask(SIG_BLOCK, &terminate, nullptr);

  Flags flags = ParseFlags(argc, argv);
  if (flags.status) return PrintStatus(flags);

  auto cache = prism::agent::ConstraintCache::Open(flags.cache_dir);
  if (!cache.ok()) Fail(std::string(cache.status().message()));

  std::unique_ptr<prism::agent::AnalyzerUpstream> upstream;
  if (!flags.analyzer.empty()) {
    prism::agent::UpstreamOptions options;
    options.address = flags.analyzer;
    options.timeout = absl::Milliseconds(flags.analyzer_timeout_ms);
    if (!flags.analyzer_token_file.empty()) {
      options.token = kCommandLine.ReadTokenOrFail(flags.analyzer_token_file);
    }
    if (!flags.analyzer_tls_ca.empty()) {
      options.tls_ca =
          kCommandLine.ReadFileOrFail(flags.analyzer_tls_ca, "analyzer CA");
    }
    if (!flags.analyzer_tls_cert.empty()) {
      options.tls_cert = kCommandLine.ReadFileOrFail(flags.analyzer_tls_cert,
                                                     "client certificate");
      options.tls_key =
          kCommandLine.ReadFileOrFail(flags.analyzer_tls_key, "client key");
    }
    upstream = std::make_unique<prism::agent::AnalyzerUpstream>(options);
  }
  if (flags.host.empty()) {
    char name[256] = {};
    gethostname(name, sizeof name - 1);
    flags.host = name[0] != '\0' ? name : "localhost";
  }
  prism::agent::AgentService service(cache->get(), std::move(upstream),
                                     flags.host);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(static_cast<int>(flags.max_message_bytes));
  if (!flags.socket.empty()) {
    PrepareSocketPath(flags.socket);
    builder.AddListeningPort("unix:" + flags.socket,
                             grpc::InsecureServerCredentials());
  }
  int tcp_port = 0;
  if (!flags.listen.empty()) {
    builder.AddListeningPort(flags.listen, grpc::InsecureServerCredentials(),
                             &tcp_port);
  }
  builder.RegisterService(&service);
  // The socket is created by Start: with this umask it never exists with
  // wider permissions than asked for, not even for an instant.
  const mode_t previous_umask = umask(0777 & ~flags.socket_mode);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(previous_umask);
  if (server == nullptr) {
    Fail(absl::StrCat("cannot serve on ",
                      flags.socket.empty() ? flags.listen : flags.socket,
                      flags.socket.empty() || flags.listen.empty()
                          ? ""
                          : absl::StrCat(" and ", flags.listen)));
  }
  if (!flags.socket.empty()) {
    if (chmod(flags.socket.c_str(), flags.socket_mode) != 0) {
      Fail(absl::StrCat("cannot chmod ", flags.socket, ": ",
                        std::strerror(errno)));
    }
    SetSocketGroup(flags.socket, flags.socket_group);
  }
  service.SetHealth(server->GetHealthCheckService());

  if (!flags.socket.empty())
    std::printf("listening on unix:%s\n", flags.socket.c_str());
  if (!flags.listen.empty()) {
    std::printf("listening on %s:%d\n",
                flags.listen.substr(0, flags.listen.rfind(':')).c_str(),
                tcp_port);
  }
  std::fflush(stdout);

  absl::Notification shutdown;
  // The first check runs at once, beside serving: an analyzer that is away
  // does not delay the agent's start.
  std::thread checker =
      Periodically(shutdown, absl::Seconds(flags.analyzer_check_seconds), true,
                   [&] { service.CheckAnalyzer(absl::Seconds(2)); });
  std::thread refresher =
      Periodically(shutdown, absl::Seconds(flags.refresh_seconds), false,
                   [&] { service.RefreshCached(); });
  std::thread forwarder =
      Periodically(shutdown, absl::Seconds(flags.telemetry_forward_seconds),
                   false, [&] { service.ForwardTelemetry(); });
  int signal_number = 0;
  sigwait(&terminate, &signal_number);
  shutdown.Notify();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  checker.join();
  forwarder.join();
  refresher.join();
  service.ForwardTelemetry();  // What runtimes reported since the last forward.
  if (!flags.socket.empty()) unlink(flags.socket.c_str());
  return 0;
}
