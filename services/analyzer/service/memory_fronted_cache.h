// A bounded in-memory layer in front of another cache: recent entries are
// answered from memory, and every write lands in memory as well as in the
// backend. So an analysis finished while the backend (Redis) is away can still
// be queried from this replica, and hot entries cost no round trip. Content
// that never changes is answered from memory first; values under
// kMutableKeyPrefix (which another replica may have changed) come from the
// backend first, from memory only when the backend has none. Least recently
// used entries leave memory first once `max_bytes` is reached. Thread-safe.
#ifndef PRISM_SERVICES_ANALYZER_SERVICE_MEMORY_FRONTED_CACHE_H_
#define PRISM_SERVICES_ANALYZER_SERVICE_MEMORY_FRONTED_CACHE_H_

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "services/analyzer/service/cache.h"

namespace prism::service {

class MemoryFrontedCache : public Cache {
 public:
  MemoryFrontedCache(std::unique_ptr<Cache> backend, size_t max_bytes);

  std::optional<std::string> Get(const std::string& key) override;
  void Put(const std::string& key, absl::string_view value) override;
  std::string Describe() const override;

 private:
  void Remember(const std::string& key, std::string value);
  std::optional<std::string> Recall(const std::string& key);

  std::unique_ptr<Cache> backend_;
  const size_t max_bytes_;
  std::mutex mutex_;
  // Most recently used first.
  std::list<std::pair<std::string, std::string>> entries_;
  std::unordered_map<std::string, decltype(entries_)::iterator> index_;
  size_t bytes_ = 0;
};

}  // namespace prism::service

#endif  // PRISM_SERVICES_ANALYZER_SERVICE_MEMORY_FRONTED_CACHE_H_
