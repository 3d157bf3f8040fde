// Unit tests of the service's pure parts: argument refusals, path rules, cache
// entries, the local directory cache and the blob store. The RPCs are tested
// end to end in tests/service.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "services/analyzer/service/atomic_file.h"
#include "services/analyzer/service/blob_store.h"
#include "services/analyzer/service/cache.h"
#include "services/analyzer/service/compiler_arguments.h"
#include "services/analyzer/service/local_directory_cache.h"
#include "services/analyzer/service/paths.h"
#include "services/analyzer/service/sha256.h"

namespace prism::service {
namespace {

absl::Status Check(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "cc");
  arguments.push_back("main.c");
  return CheckCompilerArguments(arguments, "/src/project/build",
                                "/src/project");
}

TEST(CompilerArgumentsTest, AcceptsOrdinaryFlagsAndPathsInsideTheUpload) {
  EXPECT_TRUE(Check({"-O2", "-I../include", "-I", "gen", "-DX=1",
                     "-isystem/usr/include/glib-2.0", "-include", "config.h"})
                  .ok());
}

TEST(CompilerArgumentsTest, RefusesEachDangerousArgumentByName) {
  const std::vector<std::vector<std::string>> refused = {
      {"-fplugin=/tmp/evil.so"},
      {"-Xclang", "-load"},
      {"-fpass-plugin=/x.so"},
      {"@/etc/args"},
      {"-include", "/etc/passwd"},
      {"-imacros/etc/passwd"},
      {"-I/etc"},
      {"-isystem", "/etc"},
      {"--sysroot=/"},
      {"-B/tmp"},
      {"-specs=/tmp/specs"},
      {"-Wp,-I/etc"},
      {"-I../../../etc"},
  };
  for (const std::vector<std::string>& arguments : refused) {
    absl::Status status = Check(arguments);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << arguments.front();
    EXPECT_NE(status.message().find(arguments.front()), std::string::npos)
        << status.message();
  }
}

TEST(PathsTest, NormalizesLexically) {
  EXPECT_EQ(NormalizePath("../a/./b.h", "/src/x"), "/src/a/b.h");
  EXPECT_EQ(NormalizePath("/../../etc//passwd", "/src"), "/etc/passwd");
  EXPECT_TRUE(IsWithin("/usr/include/stdio.h", "/usr/include"));
  EXPECT_FALSE(IsWithin("/usr/include2/x.h", "/usr/include"));
  EXPECT_TRUE(IsInSystemHeaderDirectory("/usr/include/event2/event.h"));
  EXPECT_FALSE(IsInSystemHeaderDirectory("/etc/passwd"));
}

TEST(CacheEntryTest, DamagedEntriesDoNotDecode) {
  const std::string entry = EncodeCacheEntry("payload bytes");
  EXPECT_EQ(DecodeCacheEntry(entry), "payload bytes");
  EXPECT_FALSE(DecodeCacheEntry(entry.substr(0, entry.size() - 1)));
  std::string flipped = entry;
  flipped.back() ^= 1;
  EXPECT_FALSE(DecodeCacheEntry(flipped));
  EXPECT_FALSE(DecodeCacheEntry(""));
}

std::string TemporaryDirectory() {
  std::string pattern = std::string(getenv("TEST_TMPDIR")) + "/cacheXXXXXX";
  return mkdtemp(pattern.data());
}

TEST(LocalDirectoryCacheTest, DamagedEntryIsAMissAndIsRewritten) {
  auto cache = LocalDirectoryCache::Open(TemporaryDirectory());
  ASSERT_TRUE(cache.ok());
  (*cache)->Put("key/1", "value one");
  EXPECT_EQ((*cache)->Get("key/1"), "value one");
  ASSERT_TRUE(
      WriteFileAtomically((*cache)->PathOf("key/1"), "half an entr").ok());
  EXPECT_FALSE((*cache)->Get("key/1"));
  (*cache)->Put("key/1", "value two");
  EXPECT_EQ((*cache)->Get("key/1"), "value two");
  EXPECT_FALSE((*cache)->Get("never written"));
}

TEST(BlobStoreTest, StoresOnlyMatchingBytes) {
  auto store = BlobStore::Open(TemporaryDirectory());
  ASSERT_TRUE(store.ok());
  v1::Digest digest;
  digest.set_sha256(Sha256Hex("int x;\n"));
  digest.set_size_bytes(7);
  EXPECT_FALSE((*store)->Contains(digest));
  absl::Status wrong = (*store)->Put(digest, "int y;\n");
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE((*store)->Contains(digest));
  EXPECT_TRUE((*store)->Put(digest, "int x;\n").ok());
  EXPECT_EQ((*store)->Get(digest), "int x;\n");
  v1::Digest malformed;
  malformed.set_sha256("../../etc/passwd");
  EXPECT_EQ(CheckDigest(malformed).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE((*store)->Contains(malformed));
}

}  // namespace
}  // namespace prism::service
