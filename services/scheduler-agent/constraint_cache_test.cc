#include "services/scheduler-agent/constraint_cache.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/sha256.h"

namespace prism::agent {
namespace {

constexpr char kBuild[] = "0123456789abcdef0123456789abcdef01234567";

v1::ConstraintSet SetFor(const std::string& program, const std::string& build) {
  v1::ConstraintSet set;
  set.set_format_version(1);
  set.set_program(program);
  set.set_build_id(build);
  set.add_handlers()->set_name("on_read");
  set.mutable_matrix()->set_size(1);
  set.mutable_matrix()->set_cells(std::string(1, '\1'));
  return set;
}

class ConstraintCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/constraint_cache_test.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    directory_ = name;
    auto cache = ConstraintCache::Open(directory_ + "/cache");
    ASSERT_TRUE(cache.ok()) << cache.status();
    cache_ = std::move(*cache);
  }
  void TearDown() override {
    std::string command = "rm -rf '" + directory_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string directory_;
  std::unique_ptr<ConstraintCache> cache_;
};

TEST_F(ConstraintCacheTest, ServesWhatWasPutForExactlyThatBuild) {
  ASSERT_TRUE(cache_->Put("httpd", kBuild, SetFor("httpd", kBuild)).ok());
  std::optional<v1::ConstraintSet> got = cache_->Get("httpd", kBuild);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->handlers(0).name(), "on_read");
  EXPECT_FALSE(cache_->Get("httpd", std::string(kBuild).replace(0, 1, "f")));
  EXPECT_FALSE(cache_->Get("other", kBuild));
  EXPECT_EQ(cache_->EntryCount(), 1u);
}

TEST_F(ConstraintCacheTest, RefusesToStoreAnotherBuildsSet) {
  const std::string other = std::string(kBuild).replace(0, 2, "ff");
  EXPECT_FALSE(cache_->Put("httpd", kBuild, SetFor("httpd", other)).ok());
  EXPECT_FALSE(cache_->Put("httpd", kBuild, SetFor("nginx", kBuild)).ok());
  EXPECT_FALSE(
      cache_->Put("httpd", "not-hex", SetFor("httpd", "not-hex")).ok());
  EXPECT_EQ(cache_->EntryCount(), 0u);
}

TEST_F(ConstraintCacheTest, DiscardsCorruptEntriesInsteadOfServingThem) {
  const std::string path = cache_->EntryPath("httpd", kBuild);
  ASSERT_TRUE(cache_->Put("httpd", kBuild, SetFor("httpd", kBuild)).ok());
  std::string good = *service::ReadWholeFile(path);
  std::vector<std::string> corruptions = {
      "",  // empty
      good.substr(
          0, good.size() / 2),  // truncated (kill -9 of a non-atomic writer)
      good.substr(0, good.size() - 1) + "X",  // a flipped payload byte
      "garbage\n",                            // not an entry
      std::string(good).replace(good.find('\n') + 1, 1, "0"),  // wrong digest
  };
  // A well-formed entry whose payload names another build (a file copied or
  // renamed by hand) is discarded too.
  const std::string foreign =
      SetFor("httpd", std::string(kBuild).replace(0, 2, "ee"))
          .SerializeAsString();
  corruptions.push_back(good.substr(0, good.find('\n') + 1) +
                        service::Sha256Hex(foreign) + "\n" + foreign);
  uint64_t discarded = 0;
  for (const std::string& bytes : corruptions) {
    ASSERT_TRUE(service::WriteFileAtomically(path, bytes).ok());
    EXPECT_FALSE(cache_->Get("httpd", kBuild).has_value());
    EXPECT_EQ(cache_->corrupt_discarded(), ++discarded);
    EXPECT_FALSE(service::ReadWholeFile(path).has_value())
        << "a corrupt entry stays on disk";
  }
  // And a good entry written again is served again.
  ASSERT_TRUE(cache_->Put("httpd", kBuild, SetFor("httpd", kBuild)).ok());
  EXPECT_TRUE(cache_->Get("httpd", kBuild).has_value());
}

TEST_F(ConstraintCacheTest, KeysNameEveryGoodEntryAndDropTheRest) {
  const std::string other = std::string(kBuild).replace(0, 2, "ee");
  ASSERT_TRUE(cache_->Put("httpd", kBuild, SetFor("httpd", kBuild)).ok());
  ASSERT_TRUE(cache_->Put("redis", other, SetFor("redis", other)).ok());
  // A good entry under another entry's name: moved by hand, not to be trusted.
  ASSERT_TRUE(service::WriteFileAtomically(
                  cache_->EntryPath("nginx", kBuild),
                  *service::ReadWholeFile(cache_->EntryPath("httpd", kBuild)))
                  .ok());
  ASSERT_TRUE(service::WriteFileAtomically(
                  cache_->EntryPath("memcached", kBuild), "garbage")
                  .ok());
  std::vector<std::pair<std::string, std::string>> keys = cache_->Keys();
  std::sort(keys.begin(), keys.end());
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], std::make_pair(std::string("httpd"), std::string(kBuild)));
  EXPECT_EQ(keys[1], std::make_pair(std::string("redis"), other));
  EXPECT_EQ(cache_->corrupt_discarded(), 2u);
  EXPECT_EQ(cache_->EntryCount(), 2u);
}

TEST(BuildIdTest, AcceptsOnlyGnuBuildIdSpellings) {
  EXPECT_TRUE(IsWellFormedBuildId(kBuild));
  EXPECT_TRUE(IsWellFormedBuildId("deadbeef"));
  EXPECT_FALSE(IsWellFormedBuildId(""));
  EXPECT_FALSE(IsWellFormedBuildId("abc"));
  EXPECT_FALSE(IsWellFormedBuildId("DEADBEEF"));
  EXPECT_FALSE(IsWellFormedBuildId("../../etc/passwd"));
  EXPECT_FALSE(IsWellFormedBuildId(std::string(130, 'a')));
}

}  // namespace
}  // namespace prism::agent
