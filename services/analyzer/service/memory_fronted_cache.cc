#include "services/analyzer/service/memory_fronted_cache.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace prism::service {

MemoryFrontedCache::MemoryFrontedCache(std::unique_ptr<Cache> backend,
                                       size_t max_bytes)
    : backend_(std::move(backend)), max_bytes_(max_bytes) {}

std::optional<std::string> MemoryFrontedCache::Get(const std::string& key) {
  const bool is_mutable = absl::StartsWith(key, kMutableKeyPrefix);
  if (!is_mutable) {
    if (std::optional<std::string> remembered = Recall(key)) return remembered;
  }
  if (std::optional<std::string> value = backend_->Get(key)) {
    Remember(key, *value);
    return value;
  }
  return is_mutable ? Recall(key) : std::nullopt;
}

std::optional<std::string> MemoryFrontedCache::Recall(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, found->second);
  return found->second->second;
}

void MemoryFrontedCache::Put(const std::string& key, absl::string_view value) {
  backend_->Put(key, value);
  Remember(key, std::string(value));
}

void MemoryFrontedCache::Remember(const std::string& key, std::string value) {
  const size_t size = key.size() + value.size();
  if (size > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto found = index_.find(key); found != index_.end()) {
    bytes_ -= found->first.size() + found->second->second.size();
    entries_.erase(found->second);
    index_.erase(found);
  }
  entries_.emplace_front(key, std::move(value));
  index_[key] = entries_.begin();
  bytes_ += size;
  while (bytes_ > max_bytes_) {
    auto& [oldest_key, oldest_value] = entries_.back();
    bytes_ -= oldest_key.size() + oldest_value.size();
    index_.erase(oldest_key);
    entries_.pop_back();
  }
}

std::string MemoryFrontedCache::Describe() const {
  return absl::StrCat(backend_->Describe(), ", fronted by ", max_bytes_ >> 20,
                      " MiB in memory");
}

}  // namespace prism::service
