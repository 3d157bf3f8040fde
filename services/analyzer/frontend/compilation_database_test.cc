#include "services/analyzer/frontend/compilation_database.h"

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace prism::frontend {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

TEST(CompilationDatabaseTest, LoadsEveryCommandIncludingDuplicates) {
  std::string dir = TempDir() + "/build";
  std::system(absl::StrCat("mkdir -p ", dir).c_str());
  std::ofstream(dir + "/compile_commands.json") << R"([
  {"directory": ")" << dir << R"(", "file": "memcached.c",
   "arguments": ["gcc", "-DNDEBUG", "-c", "memcached.c", "-o", "memcached-memcached.o"]},
  {"directory": ")" << dir << R"(", "file": "memcached.c",
   "command": "gcc -g -c memcached.c -o memcached_debug-memcached.o"}
])";
  absl::StatusOr<std::vector<CompileCommand>> commands =
      LoadCompilationDatabase(dir);
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_EQ(commands->size(), 2u);
  EXPECT_EQ((*commands)[0].file, "memcached.c");
  EXPECT_EQ((*commands)[1].file, "memcached.c");
  EXPECT_EQ((*commands)[0].directory, dir);
  EXPECT_THAT((*commands)[1].arguments, Contains("-g"));

  std::vector<std::string> adjusted =
      AdjustArgumentsForAnalysis((*commands)[0]);
  EXPECT_THAT(adjusted, Contains("-fsyntax-only"));
  EXPECT_THAT(adjusted,
              Contains(std::string("-resource-dir=") + kClangResourceDir));
  EXPECT_THAT(adjusted, Not(Contains("-o")));
  EXPECT_THAT(adjusted, Not(Contains("memcached-memcached.o")));
  EXPECT_THAT(adjusted, Contains("memcached.c"));

  absl::StatusOr<std::vector<CompileCommand>> via_flags =
      CommandsFromCommandLine({"-p", dir});
  ASSERT_TRUE(via_flags.ok());
  EXPECT_EQ(via_flags->size(), 2u);
}

TEST(CompilationDatabaseTest, MissingOrBadDatabaseIsAClearError) {
  absl::StatusOr<std::vector<CompileCommand>> missing =
      LoadCompilationDatabase(TempDir() + "/nowhere");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("compile_commands.json"));

  std::string dir = TempDir() + "/bad";
  std::system(absl::StrCat("mkdir -p ", dir).c_str());
  std::ofstream(dir + "/compile_commands.json") << "{ not json";
  absl::StatusOr<std::vector<CompileCommand>> bad =
      LoadCompilationDatabase(dir);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("cannot read"));
}

TEST(CompilationDatabaseTest, FilesAndFlagsAfterDashes) {
  absl::StatusOr<std::vector<CompileCommand>> commands =
      CommandsFromCommandLine({"a.c", "b.cc", "--", "-DX=1", "-Iinclude"});
  ASSERT_TRUE(commands.ok());
  ASSERT_EQ(commands->size(), 2u);
  EXPECT_EQ((*commands)[0].arguments[0], "clang");
  EXPECT_EQ((*commands)[1].arguments[0], "clang++");
  EXPECT_THAT((*commands)[0].arguments, Contains("-DX=1"));
  EXPECT_EQ((*commands)[0].arguments.back(), "a.c");
  EXPECT_FALSE(CommandsFromCommandLine({"a.c"}).ok());
  EXPECT_FALSE(CommandsFromCommandLine({"-p"}).ok());
}

TEST(CompilationDatabaseTest, PathsRelativeToTheBuildDirectory) {
  EXPECT_EQ(RelativeToDirectory("/src/proj/lib/x.c", "/src/proj"), "lib/x.c");
  EXPECT_EQ(RelativeToDirectory("lib/../x.c", "/src/proj"), "x.c");
  EXPECT_EQ(RelativeToDirectory("/usr/include/stdio.h", "/src/proj"),
            "/usr/include/stdio.h");
  EXPECT_EQ(RelativeToDirectory("../other/y.c", "/src/proj"), "/src/other/y.c");
}

}  // namespace
}  // namespace prism::frontend
