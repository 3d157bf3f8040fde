// What every `prism` verb that talks to prism-analyzer shares: the connection
// options
// (--server or PRISM_SERVER, --token-file or PRISM_TOKEN_FILE, --tls-ca,
// --timeout), connecting with a bounded deadline, and turning a failed RPC into
// one clear line. Exit codes as `prism analyze`: 2 for usage errors and for a
// service that cannot be reached or refuses.
#ifndef PRISM_CLI_SERVICE_CLIENT_H_
#define PRISM_CLI_SERVICE_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "prism/v1/analyzer_service.grpc.pb.h"

namespace prism::cli {

struct ServiceConnection {
  std::string server;  // HOST:PORT.
  std::string token;   // Bearer token; empty: none.
  // PEM file of the CA that signed the server; empty: plaintext.
  std::string tls_ca;
  // Client certificate chain and key (PEM), for servers that ask for one.
  std::string tls_cert;
  std::string tls_key;
  // Per RPC; connecting waits min(timeout, 10 s).
  absl::Duration timeout = absl::Seconds(30);
};

// Parses one connection option at args[*i] (advancing *i past its value).
// Returns 1 when it was one, 0 when it was not, -1 after printing a usage error
// for `verb`.
int ParseConnectionOption(const std::string& verb,
                          const std::vector<std::string>& args, size_t* i,
                          ServiceConnection* connection);

// Fills what the environment gives and checks the result; -1 when usable, else
// an exit code (after printing why).
int FinishConnectionOptions(const std::string& verb,
                            ServiceConnection* connection);

// A stub on a connected channel, or null after printing "cannot reach ..."
// (exit 2).
std::unique_ptr<v1::Analyzer::Stub> Connect(
    const std::string& verb, const ServiceConnection& connection);

// Deadline and bearer token for one call.
void PrepareCall(const ServiceConnection& connection,
                 grpc::ClientContext* context);

// Prints "prism VERB: WHAT: CODE: MESSAGE" and returns 2.
int ReportRpcFailure(const std::string& verb, const std::string& what,
                     const grpc::Status& status);

// The text of the connection options, for each verb's --help.
const char* ConnectionOptionsUsage();

// Prints "prism VERB: MESSAGE" and the hint to --help; returns 2.
int VerbUsageError(const std::string& verb, const std::string& message);

}  // namespace prism::cli

#endif  // PRISM_CLI_SERVICE_CLIENT_H_
