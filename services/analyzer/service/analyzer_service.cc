#include "services/analyzer/service/analyzer_service.h"

#include <openssl/crypto.h>

#include <ctime>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/analyzer/engine/engine.h"
#include "services/analyzer/service/sha256.h"
#include "services/analyzer/service/telemetry_sum.h"

namespace prism::service {
namespace {

constexpr int kMaxDigestsPerRequest = 100000;

grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status Invalid(const std::string& message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

// How reports and queries name a handler: "name", or "file:name" when two
// handlers could share the name (internal linkage).
std::string HandlerLabel(const v1::Handler& handler) {
  return handler.internal_linkage()
             ? absl::StrCat(handler.file(), ":", handler.name())
             : handler.name();
}

absl::StatusOr<int> FindHandler(const v1::AnalysisResult& result,
                                const std::string& wanted) {
  std::vector<int> by_name;
  for (int i = 0; i < result.handlers_size(); ++i) {
    const v1::Handler& handler = result.handlers(i);
    if (HandlerLabel(handler) == wanted) return i;
    if (handler.name() == wanted) by_name.push_back(i);
  }
  if (by_name.size() == 1) return by_name.front();
  if (by_name.size() > 1) {
    std::vector<std::string> labels;
    for (int i : by_name) labels.push_back(HandlerLabel(result.handlers(i)));
    return absl::InvalidArgumentError(
        absl::StrCat("handler name '", wanted, "' is ambiguous: say one of ",
                     absl::StrJoin(labels, ", ")));
  }
  std::vector<std::string> labels;
  for (const v1::Handler& handler : result.handlers()) {
    labels.push_back(HandlerLabel(handler));
  }
  return absl::NotFoundError(absl::StrCat(
      "no handler '", wanted.substr(0, 200),
      "' in this analysis; its handlers: ", absl::StrJoin(labels, ", ")));
}

}  // namespace

AnalyzerService::AnalyzerService(ServiceOptions options, BlobStore& blobs,
                                 Cache& cache)
    : options_(std::move(options)),
      blobs_(blobs),
      cache_(cache),
      results_(cache),
      telemetry_(cache),
      jobs_(options_.max_concurrent_builds) {}

grpc::Status AnalyzerService::Authorize(
    const grpc::ServerContext& context) const {
  if (options_.bearer_token.empty()) return grpc::Status::OK;
  const std::string expected = absl::StrCat("Bearer ", options_.bearer_token);
  const auto& metadata = context.client_metadata();
  for (auto [it, end] = metadata.equal_range("authorization"); it != end;
       ++it) {
    const grpc::string_ref& given = it->second;
    if (given.size() == expected.size() &&
        CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0) {
      return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "missing or wrong bearer token (metadata "
                      "'authorization: Bearer TOKEN')");
}

grpc::Status AnalyzerService::FindMissingBlobs(
    grpc::ServerContext* context, const v1::FindMissingBlobsRequest* request,
    v1::FindMissingBlobsResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->digests_size() > kMaxDigestsPerRequest) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        absl::StrCat("at most ", kMaxDigestsPerRequest,
                                     " digests per FindMissingBlobs request"));
  }
  for (const v1::Digest& digest : request->digests()) {
    if (absl::Status valid = CheckDigest(digest); !valid.ok()) {
      return ToGrpc(valid);
    }
    if (!blobs_.Contains(digest)) *response->add_missing() = digest;
  }
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::UploadBlobs(
    grpc::ServerContext* context, grpc::ServerReader<v1::UploadChunk>* reader,
    v1::UploadBlobsResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  v1::Digest current;
  std::string data;
  bool open = false;
  auto store = [&]() -> grpc::Status {
    if (absl::Status stored = blobs_.Put(current, data); !stored.ok()) {
      return ToGrpc(stored);
    }
    *response->add_stored() = current;
    open = false;
    data.clear();
    return grpc::Status::OK;
  };
  v1::UploadChunk chunk;
  bool any = false;
  while (reader->Read(&chunk)) {
    any = true;
    if (open && (chunk.digest().sha256() != current.sha256() ||
                 chunk.digest().size_bytes() != current.size_bytes())) {
      return Invalid(absl::StrCat("blob ", DigestName(current), " ended after ",
                                  data.size(), " of its ", current.size_bytes(),
                                  " bytes"));
    }
    if (!open) {
      if (absl::Status valid = CheckDigest(chunk.digest()); !valid.ok()) {
        return ToGrpc(valid);
      }
      if (chunk.digest().size_bytes() > options_.max_blob_bytes) {
        return grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("blob ", DigestName(chunk.digest()), " is ",
                         chunk.digest().size_bytes(),
                         " bytes, over the limit of ", options_.max_blob_bytes,
                         " bytes (--max-blob-bytes)"));
      }
      current = chunk.digest();
      data.clear();
      data.reserve(static_cast<size_t>(current.size_bytes()));
      open = true;
    }
    if (chunk.offset() != static_cast<int64_t>(data.size())) {
      return Invalid(absl::StrCat("blob ", DigestName(current),
                                  ": a chunk at offset ", chunk.offset(),
                                  " where ", data.size(), " was expected"));
    }
    if (static_cast<int64_t>(data.size() + chunk.data().size()) >
        current.size_bytes()) {
      return Invalid(absl::StrCat("blob ", DigestName(current),
                                  ": more bytes than its digest's size_bytes"));
    }
    data.append(chunk.data());
    if (static_cast<int64_t>(data.size()) == current.size_bytes()) {
      if (grpc::Status stored = store(); !stored.ok()) return stored;
    }
  }
  if (open) {
    return Invalid(absl::StrCat("blob ", DigestName(current), " ended after ",
                                data.size(), " of its ", current.size_bytes(),
                                " bytes"));
  }
  if (!any) return Invalid("the upload stream carried no chunk");
  return grpc::Status::OK;
}

absl::Status AnalyzerService::RunJob(const CheckedBuild& build,
                                     AnalysisJob& job) {
  absl::StatusOr<v1::AnalysisResult> result = RunAnalysis(
      build, blobs_, cache_, options_.runner,
      [&job](const v1::AnalysisProgress& progress) { job.Update(progress); });
  if (!result.ok()) return result.status();
  v1::AnalysisSummary record;
  record.set_analysis_id(build.analysis_id);
  record.set_program(build.build.program());
  record.set_build_id(build.build.build_id());
  record.set_finished_unix_seconds(std::time(nullptr));
  record.set_units(build.build.units_size());
  record.set_complete(result->complete());
  results_.Save(record, *result);
  return absl::OkStatus();
}

grpc::Status AnalyzerService::Submit(grpc::ServerContext* context,
                                     const v1::SubmitRequest* request,
                                     v1::SubmitResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (!request->has_build()) return Invalid("the request carries no build");
  absl::StatusOr<CheckedBuild> checked =
      CheckBuild(request->build(), options_.build_limits, blobs_,
                 options_.runner.server_fingerprint);
  if (!checked.ok()) return ToGrpc(checked.status());
  response->set_analysis_id(checked->analysis_id);
  if (results_.HasResult(checked->analysis_id)) {
    v1::AnalysisProgress answered;
    answered.set_analysis_id(checked->analysis_id);
    answered.set_state(v1::AnalysisProgress::STATE_DONE);
    const int units = checked->build.units_size();
    answered.set_units_total(units);
    answered.set_units_done(units);
    answered.set_units_from_cache(units);
    answered.set_link_from_cache(true);
    jobs_.RecordAnswered(checked->analysis_id, answered);
    return grpc::Status::OK;
  }
  auto build = std::make_shared<CheckedBuild>(std::move(*checked));
  absl::StatusOr<std::shared_ptr<AnalysisJob>> job = jobs_.Start(
      build->analysis_id,
      [this, build](AnalysisJob& job) { return RunJob(*build, job); });
  if (!job.ok()) return ToGrpc(job.status());
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::WatchAnalysis(
    grpc::ServerContext* context, const v1::WatchAnalysisRequest* request,
    grpc::ServerWriter<v1::AnalysisProgress>* writer) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->analysis_id().empty()) return Invalid("no analysis_id given");
  std::shared_ptr<AnalysisJob> job = jobs_.Find(request->analysis_id());
  if (job == nullptr) {
    std::optional<v1::AnalysisResult> result =
        results_.Result(request->analysis_id());
    if (!result) {
      return grpc::Status(
          grpc::StatusCode::NOT_FOUND,
          absl::StrCat("no analysis ", request->analysis_id().substr(0, 80),
                       " (submit the build)"));
    }
    v1::AnalysisProgress done;
    done.set_analysis_id(request->analysis_id());
    done.set_state(v1::AnalysisProgress::STATE_DONE);
    done.set_link_from_cache(true);  // Nothing runs for this watch.
    writer->Write(done);
    return grpc::Status::OK;
  }
  uint64_t seen = 0;
  while (!context->IsCancelled()) {
    v1::AnalysisProgress progress =
        job->WaitForChange(&seen, absl::Milliseconds(500));
    if (!writer->Write(progress)) break;
    if (IsFinished(progress)) break;
  }
  return grpc::Status::OK;
}

absl::StatusOr<std::pair<std::string, v1::AnalysisResult>>
AnalyzerService::Finished(const v1::AnalysisSelector& selector) {
  std::string id;
  switch (selector.selector_case()) {
    case v1::AnalysisSelector::kAnalysisId:
      id = selector.analysis_id();
      break;
    case v1::AnalysisSelector::kBuildId: {
      std::optional<std::string> found =
          results_.IdForBuildId(selector.build_id());
      if (!found) {
        return absl::NotFoundError(
            absl::StrCat("no finished analysis for build-id ",
                         selector.build_id().substr(0, 80)));
      }
      id = *found;
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "name the analysis: an analysis_id or a build_id");
  }
  if (id.empty()) return absl::InvalidArgumentError("empty analysis_id");
  if (std::optional<v1::AnalysisResult> result = results_.Result(id)) {
    return std::make_pair(id, std::move(*result));
  }
  if (std::shared_ptr<AnalysisJob> job = jobs_.Find(id)) {
    v1::AnalysisProgress progress = job->Progress();
    if (progress.state() == v1::AnalysisProgress::STATE_FAILED) {
      return absl::FailedPreconditionError(
          absl::StrCat("analysis ", id, " failed: ", progress.error_message()));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "analysis ", id, " is still running (", progress.units_done(), " of ",
        progress.units_total(), " translation units done)"));
  }
  return absl::NotFoundError(
      absl::StrCat("no analysis ", id.substr(0, 80), " (submit the build)"));
}

absl::StatusOr<std::pair<std::string, v1::AnalysisResult>>
AnalyzerService::FinishedForBuild(const std::string& program,
                                  const std::string& build_id) {
  std::optional<std::string> id = results_.IdForProgramBuild(program, build_id);
  std::optional<v1::AnalysisResult> result;
  if (id) result = results_.Result(*id);
  if (!result) {
    return absl::NotFoundError(absl::StrCat(
        "no finished analysis of program '", program.substr(0, 200),
        "' for build-id ", build_id.substr(0, 80)));
  }
  return std::make_pair(*std::move(id), *std::move(result));
}

grpc::Status AnalyzerService::GetConflicts(
    grpc::ServerContext* context, const v1::GetConflictsRequest* request,
    v1::GetConflictsResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  auto finished = Finished(request->analysis());
  if (!finished.ok()) return ToGrpc(finished.status());
  response->set_analysis_id(finished->first);
  *response->mutable_result() = std::move(finished->second);
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::Explain(grpc::ServerContext* context,
                                      const v1::ExplainRequest* request,
                                      v1::ExplainResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->handler_a().empty()) return Invalid("no handler_a given");
  auto finished = Finished(request->analysis());
  if (!finished.ok()) return ToGrpc(finished.status());
  const v1::AnalysisResult& result = finished->second;
  absl::StatusOr<int> a = FindHandler(result, request->handler_a());
  if (!a.ok()) return ToGrpc(a.status());
  int b = -1;
  if (!request->handler_b().empty()) {
    absl::StatusOr<int> found = FindHandler(result, request->handler_b());
    if (!found.ok()) return ToGrpc(found.status());
    b = *found;
  }
  response->set_analysis_id(finished->first);
  v1::AnalysisResult* explained = response->mutable_result();
  *explained = result;
  explained->clear_conflicts();
  for (const v1::Conflict& conflict : result.conflicts()) {
    const int x = static_cast<int>(conflict.a());
    const int y = static_cast<int>(conflict.b());
    const bool wanted = b < 0 ? (x == *a || y == *a)
                              : ((x == *a && y == b) || (x == b && y == *a));
    if (wanted) *explained->add_conflicts() = conflict;
  }
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::GetConstraints(
    grpc::ServerContext* context, const v1::GetConstraintsRequest* request,
    v1::GetConstraintsResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->program().empty() || request->build_id().empty()) {
    return Invalid("GetConstraints needs a program and a build_id");
  }
  auto finished = FinishedForBuild(request->program(), request->build_id());
  if (!finished.ok()) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat(finished.status().message(),
                     " (constraints of another build are never served)"));
  }
  const v1::AnalysisResult& result = finished->second;
  v1::ConstraintSet set =
      analyzer::BuildConstraintSet(result, request->build_id());
  const std::string serialized = result.SerializeAsString();
  set.mutable_analysis()->set_sha256(Sha256Hex(serialized));
  set.mutable_analysis()->set_size_bytes(
      static_cast<int64_t>(serialized.size()));
  *response->mutable_constraints() = std::move(set);
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::ListAnalyses(
    grpc::ServerContext* context, const v1::ListAnalysesRequest* request,
    v1::ListAnalysesResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->program().empty()) return Invalid("no program given");
  *response = results_.Recent(request->program());
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::ReportTelemetry(
    grpc::ServerContext* context, const v1::ReportTelemetryRequest* request,
    v1::ReportTelemetryResponse*) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  if (request->reports().empty()) return Invalid("no telemetry reports given");
  for (const v1::RuntimeTelemetry& report : request->reports()) {
    if (report.program().empty() || report.build_id().empty() ||
        report.host().empty()) {
      return Invalid(
          "each telemetry report needs a program, a build_id and the host it "
          "sums (prism-agent sets it)");
    }
  }
  for (const v1::RuntimeTelemetry& report : request->reports()) {
    if (absl::Status recorded = telemetry_.Record(report); !recorded.ok()) {
      return ToGrpc(recorded);
    }
  }
  return grpc::Status::OK;
}

grpc::Status AnalyzerService::GetCosts(grpc::ServerContext* context,
                                       const v1::GetCostsRequest* request,
                                       v1::GetCostsResponse* response) {
  if (grpc::Status auth = Authorize(*context); !auth.ok()) return auth;
  const std::string& program = request->program();
  if (program.empty()) return Invalid("no program given");
  std::string build_id = request->build_id();
  if (build_id.empty()) {
    const v1::ListAnalysesResponse recent = results_.Recent(program);
    for (const v1::AnalysisSummary& summary : recent.analyses()) {
      if (!summary.build_id().empty()) {
        build_id = summary.build_id();
        break;
      }
    }
    if (build_id.empty()) {
      return grpc::Status(
          grpc::StatusCode::NOT_FOUND,
          absl::StrCat("no analysis of program '", program.substr(0, 200),
                       "' names a build-id (submit with --binary)"));
    }
  }
  auto finished = FinishedForBuild(program, build_id);
  if (!finished.ok()) return ToGrpc(finished.status());
  const auto& [id, result] = *finished;
  std::vector<v1::RuntimeTelemetry> reports =
      telemetry_.Reports(program, build_id);
  if (reports.empty()) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("no telemetry for program '", program.substr(0, 200),
                     "' build-id ", build_id.substr(0, 128),
                     " yet (servers report it through prism-agent)"));
  }
  const v1::RuntimeTelemetry sum = SumTelemetry(reports);
  response->set_analysis_id(id);
  response->set_build_id(build_id);
  response->set_hosts(static_cast<uint32_t>(reports.size()));
  response->set_processes(sum.processes());
  const uint32_t handlers = static_cast<uint32_t>(result.handlers_size());
  auto label = [&](uint32_t row) {
    return row < handlers ? HandlerLabel(result.handlers(static_cast<int>(row)))
                          : std::string("<handlers not in the constraints>");
  };
  for (const v1::ConstraintWait& wait : sum.waits()) {
    v1::ConstraintCost* cost = response->add_costs();
    cost->set_waiting(label(wait.waiting()));
    cost->set_running(label(wait.running()));
    cost->set_kind(wait.kind());
    cost->set_waits(wait.waits());
    cost->set_wait_nanos(wait.wait_nanos());
    for (const v1::Conflict& conflict : result.conflicts()) {
      const bool pair =
          (conflict.a() == wait.waiting() && conflict.b() == wait.running()) ||
          (conflict.a() == wait.running() && conflict.b() == wait.waiting());
      if (pair && conflict.kind() == wait.kind() &&
          !conflict.removed_by_programmer()) {
        *cost->add_conflicts() = conflict;
      }
    }
  }
  return grpc::Status::OK;
}

}  // namespace prism::service
