#include "services/scheduler-agent/analyzer_upstream.h"

#include "absl/strings/str_cat.h"

namespace prism::agent {
namespace {

absl::StatusCode FromGrpc(grpc::StatusCode code) {
  return static_cast<absl::StatusCode>(static_cast<int>(code));
}

}  // namespace

AnalyzerUpstream::AnalyzerUpstream(UpstreamOptions options)
    : options_(std::move(options)) {
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!options_.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options_.tls_ca;
    ssl.pem_cert_chain = options_.tls_cert;
    ssl.pem_private_key = options_.tls_key;
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments arguments;
  // Constraint sets of large programs exceed gRPC's 4 MB default.
  arguments.SetMaxReceiveMessageSize(64 << 20);
  // An analyzer that comes back is used again within about a second, not after
  // gRPC's default reconnect backoff (up to two minutes).
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  channel_ =
      grpc::CreateCustomChannel(options_.address, credentials, arguments);
  stub_ = v1::Analyzer::NewStub(channel_);
}

void AnalyzerUpstream::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (!options_.token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options_.token));
  }
}

absl::StatusOr<v1::ConstraintSet> AnalyzerUpstream::Fetch(
    const std::string& program, const std::string& build_id) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::GetConstraintsRequest request;
  request.set_program(program);
  request.set_build_id(build_id);
  v1::GetConstraintsResponse response;
  grpc::Status status = stub_->GetConstraints(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(FromGrpc(status.error_code()),
                        absl::StrCat("analyzer at ", options_.address, ": ",
                                     status.error_message()));
  }
  // Invariant 2 (DESIGN.md): whatever the analyzer says, a set for another
  // build is never passed on.
  if (response.constraints().build_id() != build_id ||
      response.constraints().program() != program) {
    return absl::InternalError(absl::StrCat(
        "analyzer at ", options_.address, " answered program '",
        response.constraints().program().substr(0, 200), "' build-id ",
        response.constraints().build_id().substr(0, 128), " for program '",
        program, "' build-id ", build_id, "; refused"));
  }
  return std::move(*response.mutable_constraints());
}

absl::Status AnalyzerUpstream::Report(
    const std::vector<v1::RuntimeTelemetry>& sums) {
  grpc::ClientContext context;
  Prepare(&context);
  v1::ReportTelemetryRequest request;
  for (const v1::RuntimeTelemetry& sum : sums) *request.add_reports() = sum;
  v1::ReportTelemetryResponse response;
  grpc::Status status = stub_->ReportTelemetry(&context, request, &response);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(FromGrpc(status.error_code()),
                      absl::StrCat("analyzer at ", options_.address, ": ",
                                   status.error_message()));
}

bool AnalyzerUpstream::Reachable(absl::Duration wait) {
  return channel_->WaitForConnected(absl::ToChronoTime(absl::Now() + wait));
}

}  // namespace prism::agent
