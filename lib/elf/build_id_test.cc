#include "lib/elf/build_id.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace prism {
namespace {

std::string TempPath(const char* name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

TEST(BuildIdTest, ReadsOwnExecutable) {
  // Bazel links everything with -Wl,--build-id (.bazelrc).
  absl::StatusOr<std::string> id = ReadGnuBuildId("/proc/self/exe");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->size(), 40u);  // SHA-1 build-ids are 20 bytes.
  EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos);
  // Stable: the same file gives the same id.
  EXPECT_EQ(*id, *ReadGnuBuildId("/proc/self/exe"));
}

TEST(BuildIdTest, MissingFileIsNotFound) {
  absl::StatusOr<std::string> id = ReadGnuBuildId(TempPath("does-not-exist"));
  EXPECT_EQ(id.status().code(), absl::StatusCode::kNotFound);
}

TEST(BuildIdTest, NonElfIsInvalidArgument) {
  const std::string path = TempPath("not-elf.txt");
  std::ofstream(path) << "hello, not an ELF file at all, but long enough to "
                         "read a header from it"
                      << std::string(64, 'x');
  absl::StatusOr<std::string> id = ReadGnuBuildId(path);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(BuildIdTest, TruncatedElfIsAnErrorNotACrash) {
  std::ifstream self("/proc/self/exe", std::ios::binary);
  std::string head(200, '\0');
  self.read(head.data(), static_cast<std::streamsize>(head.size()));
  const std::string path = TempPath("truncated.elf");
  std::ofstream(path, std::ios::binary) << head;
  EXPECT_FALSE(ReadGnuBuildId(path).ok());
}

}  // namespace
}  // namespace prism
