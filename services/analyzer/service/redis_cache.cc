#include "services/analyzer/service/redis_cache.h"

#include <hiredis/hiredis.h>

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace prism::service {
namespace {

constexpr char kKeyPrefix[] = "prism:analyzer:";
constexpr timeval kTimeout = {2, 0};

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCache>> RedisCache::Open(
    const std::string& address, absl::Duration ttl) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port <= 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--redis wants HOST:PORT, not '", address, "'"));
  }
  return std::unique_ptr<RedisCache>(
      new RedisCache(address.substr(0, colon), port, ttl));
}

RedisCache::RedisCache(std::string host, int port, absl::Duration ttl)
    : host_(std::move(host)), port_(port), ttl_(ttl) {}

RedisCache::~RedisCache() {
  if (context_ != nullptr) redisFree(context_);
}

void RedisCache::Broken(const std::string& why) {
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  next_attempt_ = absl::Now() + absl::Seconds(1);
  if (!warned_) {
    std::fprintf(stderr,
                 "prism-analyzer: warning: Redis at %s:%d is unavailable (%s); "
                 "analysing without the shared cache until it is back\n",
                 host_.c_str(), port_, why.c_str());
    warned_ = true;
  }
}

redisContext* RedisCache::Connection() {
  if (context_ != nullptr) return context_;
  if (absl::Now() < next_attempt_) return nullptr;
  context_ = redisConnectWithTimeout(host_.c_str(), port_, kTimeout);
  if (context_ == nullptr || context_->err) {
    Broken(context_ == nullptr ? "out of memory" : context_->errstr);
    return nullptr;
  }
  redisSetTimeout(context_, kTimeout);
  if (warned_) {
    std::fprintf(stderr, "prism-analyzer: Redis at %s:%d is back\n",
                 host_.c_str(), port_);
    warned_ = false;
  }
  return context_;
}

std::optional<std::string> RedisCache::Get(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  redisContext* context = Connection();
  if (context == nullptr) return std::nullopt;
  const std::string full_key = absl::StrCat(kKeyPrefix, key);
  auto* reply = static_cast<redisReply*>(
      redisCommand(context, "GET %b", full_key.data(), full_key.size()));
  if (reply == nullptr) {
    Broken(context->errstr);
    return std::nullopt;
  }
  std::optional<std::string> value;
  if (reply->type == REDIS_REPLY_STRING) {
    value = DecodeCacheEntry(absl::string_view(reply->str, reply->len));
  }
  freeReplyObject(reply);
  return value;
}

void RedisCache::Put(const std::string& key, absl::string_view value) {
  const std::string entry = EncodeCacheEntry(value);
  const std::string full_key = absl::StrCat(kKeyPrefix, key);
  const std::string ttl = absl::StrCat(absl::ToInt64Seconds(ttl_));
  std::lock_guard<std::mutex> lock(mutex_);
  redisContext* context = Connection();
  if (context == nullptr) return;
  auto* reply = static_cast<redisReply*>(
      redisCommand(context, "SET %b %b EX %s", full_key.data(), full_key.size(),
                   entry.data(), entry.size(), ttl.c_str()));
  if (reply == nullptr) {
    Broken(context->errstr);
    return;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    std::fprintf(stderr, "prism-analyzer: warning: Redis refused a write: %s\n",
                 reply->str);
  }
  freeReplyObject(reply);
}

std::string RedisCache::Describe() const {
  return absl::StrCat("redis ", host_, ":", port_, " (entries expire after ",
                      absl::FormatDuration(ttl_), ")");
}

}  // namespace prism::service
