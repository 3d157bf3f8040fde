// prism-analyzer: the analysis service (README.md beside this file). Prints the
// address it listens on as its first stdout line ("listening on
// 127.0.0.1:PORT"), so scripts and tests can start it on port 0 and read where
// it went.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/analyzer/service/analyzer_service.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/local_directory_cache.h"
#include "services/analyzer/service/memory_fronted_cache.h"
#include "services/analyzer/service/redis_cache.h"
#include "services/analyzer/service/sha256.h"
#include "services/common/command_line.h"

namespace {

constexpr char kUsage[] =
    R"(usage: prism-analyzer [options]

Serves prism.v1.Analyzer over gRPC (with gRPC health checking and server reflection).

  --listen=HOST:PORT           address to serve on (default 127.0.0.1:8980; port 0 picks one);
                               the first stdout line says "listening on HOST:PORT"
  --cache=local|redis          where summaries and results are cached (default local)
  --cache-dir=DIR              local cache and uploaded blobs (default ~/.cache/prism/analyzer)
  --redis=HOST:PORT            Redis server for --cache=redis (default 127.0.0.1:6379)
  --redis-ttl-seconds=N        expiry of every Redis entry, renewed when written (default 604800)
  --memory-cache-bytes=N       recent cache entries kept in memory too (default 268435456)
  --linked-programs-in-memory=N  programs whose last link's solved summaries stay in memory for
                               an incremental relink without decoding (default 2)
  --max-blob-bytes=N           largest blob accepted (default 67108864)
  --max-build-bytes=N          largest total of one build's files (default 1073741824)
  --max-units=N                most translation units per build (default 20000)
  --max-build-seconds=N        wall time of one analysis (default 3600)
  --max-concurrent-builds=N    analyses running at once (default 4)
  --jobs=N                     translation units analysed at once per build (default: cores)
  --token-file=FILE            require 'authorization: Bearer TOKEN' (TOKEN: FILE's first line)
  --tls-cert=FILE --tls-key=FILE   serve TLS with this certificate chain and key (PEM)
  --tls-client-ca=FILE         with TLS: require client certificates signed by this CA
  -h, --help                   print this text
)";

struct Flags {
  std::string listen = "127.0.0.1:8980";
  std::string cache = "local";
  std::string cache_dir;
  std::string redis = "127.0.0.1:6379";
  int64_t redis_ttl_seconds = 7 * 24 * 3600;
  int64_t max_build_seconds = 3600;
  int64_t memory_cache_bytes = int64_t{256} << 20;
  std::string token_file, tls_cert, tls_key, tls_client_ca;
  prism::service::ServiceOptions service;
};

const prism::daemon::CommandLine kCommandLine("prism-analyzer", kUsage);

[[noreturn]] void Fail(const std::string& message) {
  kCommandLine.Fail(message);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  flags.service.runner.jobs =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  flags.cache_dir =
      prism::daemon::CommandLine::DefaultCacheDirectory("analyzer");
  kCommandLine.Parse(
      argc, argv, {}, [&](const std::string& name, const std::string& value) {
        auto number = [&](int64_t minimum) {
          return kCommandLine.Number(name, value, minimum);
        };
        if (name == "--listen") {
          flags.listen = value;
        } else if (name == "--cache") {
          if (value != "local" && value != "redis") {
            Fail("--cache is 'local' or 'redis'");
          }
          flags.cache = value;
        } else if (name == "--cache-dir") {
          flags.cache_dir = value;
        } else if (name == "--redis") {
          flags.redis = value;
        } else if (name == "--redis-ttl-seconds") {
          flags.redis_ttl_seconds = number(1);
        } else if (name == "--memory-cache-bytes") {
          flags.memory_cache_bytes = number(0);
        } else if (name == "--linked-programs-in-memory") {
          flags.service.runner.linked_programs_in_memory =
              static_cast<size_t>(number(0));
        } else if (name == "--max-blob-bytes") {
          flags.service.max_blob_bytes = number(0);
        } else if (name == "--max-build-bytes") {
          flags.service.build_limits.max_build_bytes = number(0);
        } else if (name == "--max-units") {
          flags.service.build_limits.max_units = static_cast<int>(number(1));
        } else if (name == "--max-build-seconds") {
          flags.max_build_seconds = number(1);
        } else if (name == "--max-concurrent-builds") {
          flags.service.max_concurrent_builds = static_cast<int>(number(1));
        } else if (name == "--jobs") {
          flags.service.runner.jobs = static_cast<int>(number(1));
        } else if (name == "--token-file") {
          flags.token_file = value;
        } else if (name == "--tls-cert") {
          flags.tls_cert = value;
        } else if (name == "--tls-key") {
          flags.tls_key = value;
        } else if (name == "--tls-client-ca") {
          flags.tls_client_ca = value;
        } else {
          return false;
        }
        return true;
      });
  flags.service.runner.max_wall_time = absl::Seconds(flags.max_build_seconds);
  return flags;
}

std::string ReadOrFail(const std::string& path, const char* what) {
  return kCommandLine.ReadFileOrFail(path, what);
}

std::shared_ptr<grpc::ServerCredentials> Credentials(const Flags& flags) {
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    Fail("--tls-cert and --tls-key go together");
  }
  if (flags.tls_cert.empty()) {
    if (!flags.tls_client_ca.empty()) Fail("--tls-client-ca needs --tls-cert");
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions options(
      flags.tls_client_ca.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_key_cert_pairs.push_back(
      {ReadOrFail(flags.tls_key, "TLS key"),
       ReadOrFail(flags.tls_cert, "TLS certificate")});
  if (!flags.tls_client_ca.empty()) {
    options.pem_root_certs = ReadOrFail(flags.tls_client_ca, "client CA");
  }
  return grpc::SslServerCredentials(options);
}

// Every cache key includes this: a rebuilt analyzer never serves what an older
// one computed.
std::string ServerFingerprint() {
  std::optional<std::string> fingerprint =
      prism::service::Sha256HexOfFile("/proc/self/exe");
  if (!fingerprint)
    Fail("cannot read /proc/self/exe to fingerprint this binary");
  return *fingerprint;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  if (!flags.token_file.empty()) {
    flags.service.bearer_token = kCommandLine.ReadTokenOrFail(flags.token_file);
  }
  flags.service.runner.server_fingerprint = ServerFingerprint();

  auto blobs = prism::service::BlobStore::Open(flags.cache_dir + "/blobs");
  if (!blobs.ok()) Fail(std::string(blobs.status().message()));
  std::unique_ptr<prism::service::Cache> cache;
  if (flags.cache == "redis") {
    auto redis = prism::service::RedisCache::Open(
        flags.redis, absl::Seconds(flags.redis_ttl_seconds));
    if (!redis.ok()) Fail(std::string(redis.status().message()));
    cache = std::move(*redis);
  } else {
    auto local =
        prism::service::LocalDirectoryCache::Open(flags.cache_dir + "/cache");
    if (!local.ok()) Fail(std::string(local.status().message()));
    cache = std::move(*local);
  }

  cache = std::make_unique<prism::service::MemoryFrontedCache>(
      std::move(cache), static_cast<size_t>(flags.memory_cache_bytes));

  prism::service::AnalyzerService service(flags.service, **blobs, *cache);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags.listen, Credentials(flags), &port);
  builder.RegisterService(&service);
  // Chunks are at most a few MiB; anything far larger is a broken client.
  builder.SetMaxReceiveMessageSize(16 << 20);
  builder.SetMaxSendMessageSize(256 << 20);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Fail(absl::StrCat("cannot listen on ", flags.listen));
  }
  const std::string host = flags.listen.substr(0, flags.listen.rfind(':'));
  std::printf("listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  std::fprintf(stderr, "prism-analyzer: cache: %s; blobs: %s/blobs%s%s\n",
               cache->Describe().c_str(), flags.cache_dir.c_str(),
               flags.tls_cert.empty() ? "" : "; TLS",
               flags.service.bearer_token.empty() ? "" : "; bearer token");

  // Entries are written atomically, so stopping mid-analysis loses only work.
  signal(SIGTERM, [](int) { std::_Exit(0); });
  signal(SIGINT, [](int) { std::_Exit(0); });
  server->Wait();
  return 0;
}
