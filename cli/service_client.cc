#include "cli/service_client.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace prism::cli {
namespace {

const char* kCodeNames[] = {
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
};

bool ReadFirstLine(const std::string& path, std::string* line) {
  std::ifstream in(path);
  if (!in) return false;
  std::getline(in, *line);
  return true;
}

bool ReadAll(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

}  // namespace

int VerbUsageError(const std::string& verb, const std::string& message) {
  std::fprintf(stderr, "prism %s: %s\nRun 'prism %s --help' for usage.\n",
               verb.c_str(), message.c_str(), verb.c_str());
  return 2;
}

int ParseConnectionOption(const std::string& verb,
                          const std::vector<std::string>& args, size_t* i,
                          ServiceConnection* connection) {
  const std::string& arg = args[*i];
  for (const char* name : {"--server", "--token-file", "--tls-ca", "--tls-cert",
                           "--tls-key", "--timeout"}) {
    std::string value;
    if (arg == name) {
      if (*i + 1 >= args.size()) {
        VerbUsageError(verb, absl::StrCat(name, " needs a value"));
        return -1;
      }
      value = args[++*i];
    } else if (absl::StartsWith(arg, absl::StrCat(name, "="))) {
      value = arg.substr(std::string(name).size() + 1);
    } else {
      continue;
    }
    const std::string option = name;
    if (option == "--server") {
      connection->server = value;
    } else if (option == "--token-file") {
      if (!ReadFirstLine(value, &connection->token) ||
          connection->token.empty()) {
        VerbUsageError(verb, absl::StrCat("cannot read a token from ", value));
        return -1;
      }
    } else if (option == "--tls-ca") {
      connection->tls_ca = value;
    } else if (option == "--tls-cert") {
      connection->tls_cert = value;
    } else if (option == "--tls-key") {
      connection->tls_key = value;
    } else {
      int seconds = 0;
      if (!absl::SimpleAtoi(value, &seconds) || seconds < 1) {
        VerbUsageError(verb, absl::StrCat("--timeout wants seconds >= 1, not '",
                                          value, "'"));
        return -1;
      }
      connection->timeout = absl::Seconds(seconds);
    }
    return 1;
  }
  return 0;
}

int FinishConnectionOptions(const std::string& verb,
                            ServiceConnection* connection) {
  if (connection->server.empty()) {
    if (const char* server = std::getenv("PRISM_SERVER")) {
      connection->server = server;
    }
  }
  if (connection->server.empty()) {
    return VerbUsageError(
        verb, "no analyzer named: give --server HOST:PORT or set PRISM_SERVER");
  }
  if (connection->tls_cert.empty() != connection->tls_key.empty()) {
    return VerbUsageError(verb, "--tls-cert and --tls-key go together");
  }
  if (!connection->tls_cert.empty() && connection->tls_ca.empty()) {
    return VerbUsageError(verb, "--tls-cert needs --tls-ca");
  }
  if (connection->token.empty()) {
    if (const char* file = std::getenv("PRISM_TOKEN_FILE")) {
      if (!ReadFirstLine(file, &connection->token)) {
        return VerbUsageError(
            verb, absl::StrCat("cannot read PRISM_TOKEN_FILE ", file));
      }
    }
  }
  return -1;
}

std::unique_ptr<v1::Analyzer::Stub> Connect(
    const std::string& verb, const ServiceConnection& connection) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!connection.tls_ca.empty()) {
    grpc::SslCredentialsOptions options;
    if (!ReadAll(connection.tls_ca, &options.pem_root_certs)) {
      VerbUsageError(verb,
                     absl::StrCat("cannot read --tls-ca ", connection.tls_ca));
      return nullptr;
    }
    if (!connection.tls_cert.empty() &&
        (!ReadAll(connection.tls_cert, &options.pem_cert_chain) ||
         !ReadAll(connection.tls_key, &options.pem_private_key))) {
      VerbUsageError(verb, "cannot read --tls-cert or --tls-key");
      return nullptr;
    }
    credentials = grpc::SslCredentials(options);
  }
  // Results of large programs exceed gRPC's default 4 MiB per message.
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(256 << 20);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(connection.server, credentials, arguments);
  const absl::Duration wait = std::min(connection.timeout, absl::Seconds(10));
  if (!channel->WaitForConnected(absl::ToChronoTime(absl::Now() + wait))) {
    std::fprintf(stderr,
                 "prism %s: cannot reach the analyzer at %s within %s (is "
                 "prism-analyzer running there?)\n",
                 verb.c_str(), connection.server.c_str(),
                 absl::FormatDuration(wait).c_str());
    return nullptr;
  }
  return v1::Analyzer::NewStub(channel);
}

void PrepareCall(const ServiceConnection& connection,
                 grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + connection.timeout));
  if (!connection.token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", connection.token));
  }
}

int ReportRpcFailure(const std::string& verb, const std::string& what,
                     const grpc::Status& status) {
  const int code = static_cast<int>(status.error_code());
  const char* name = code >= 0 && code < static_cast<int>(sizeof(kCodeNames) /
                                                          sizeof(kCodeNames[0]))
                         ? kCodeNames[code]
                         : "UNKNOWN";
  std::fprintf(stderr, "prism %s: %s: %s: %s\n", verb.c_str(), what.c_str(),
               name, status.error_message().c_str());
  return 2;
}

const char* ConnectionOptionsUsage() {
  return R"(  --server HOST:PORT         the analyzer (default: $PRISM_SERVER)
  --token-file FILE          send the bearer token on FILE's first line (default: $PRISM_TOKEN_FILE)
  --tls-ca FILE              connect with TLS, trusting this CA (PEM)
  --tls-cert FILE --tls-key FILE   present this client certificate (PEM)
  --timeout SECONDS          deadline of each call (default 30; connecting waits at most 10)
)";
}

}  // namespace prism::cli
