// The service's result cache: TU summaries, link results, analysis records and
// their indexes, each a byte string under a string key. Two backends implement
// it (local directory, Redis); the service never knows which.
//
// Promises of every backend:
// - Get returns only what some Put stored under that key, complete: an entry
// that is damaged
//   (fails its checksum, cannot be decoded) is a miss, and the next Put
//   rewrites it.
// - A backend that cannot reach its storage answers misses and drops writes
// (with a warning),
//   so the service keeps answering by computing. A cache is never a source of
//   errors.
// Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_CACHE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_CACHE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace prism::service {

// Keys starting with this name values that may change (indexes: the latest
// analysis of a build-id, the recent analyses of a program). Every other key
// names content that never changes once written (a summary, a link result, an
// analysis by its id).
inline constexpr absl::string_view kMutableKeyPrefix = "index/";

class Cache {
 public:
  virtual ~Cache() = default;
  virtual std::optional<std::string> Get(const std::string& key) = 0;
  virtual void Put(const std::string& key, absl::string_view value) = 0;
  // For the startup line: "local directory /var/cache/prism", "redis
  // 127.0.0.1:6379".
  virtual std::string Describe() const = 0;
};

// How a backend stores a value: a header with the payload's SHA-256, then the
// payload. DecodeCacheEntry returns nullopt for anything EncodeCacheEntry did
// not produce whole.
std::string EncodeCacheEntry(absl::string_view payload);
std::optional<std::string> DecodeCacheEntry(absl::string_view stored);

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_CACHE_H_
