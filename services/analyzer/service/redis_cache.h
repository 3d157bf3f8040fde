// Cache backend on a Redis server (hiredis), shared by every analyzer replica
// that names it. Each entry is written with an expiry (SET key value EX ttl),
// renewed whenever it is written again; configure the Redis server with a
// maxmemory policy (allkeys-lru) to bound it too. When Redis is unreachable or
// fails, Get is a miss and Put is dropped, with one warning per outage on
// stderr; the service keeps answering by computing. One connection, serialized
// by a mutex, re-established at the next call after a failure (at most every
// second).
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_REDIS_CACHE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_REDIS_CACHE_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/analyzer/service/cache.h"

struct redisContext;

namespace prism::service {

class RedisCache : public Cache {
 public:
  // `address` is HOST:PORT. Fails only on a malformed address: an unreachable
  // server is an outage, not an error.
  static absl::StatusOr<std::unique_ptr<RedisCache>> Open(
      const std::string& address, absl::Duration ttl);
  ~RedisCache() override;

  std::optional<std::string> Get(const std::string& key) override;
  void Put(const std::string& key, absl::string_view value) override;
  std::string Describe() const override;

 private:
  RedisCache(std::string host, int port, absl::Duration ttl);
  // A usable connection, or null (outage); the caller holds mutex_.
  redisContext* Connection();
  void Broken(const std::string& why);

  const std::string host_;
  const int port_;
  const absl::Duration ttl_;
  std::mutex mutex_;
  redisContext* context_ = nullptr;
  absl::Time next_attempt_ = absl::InfinitePast();
  bool warned_ = false;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_REDIS_CACHE_H_
