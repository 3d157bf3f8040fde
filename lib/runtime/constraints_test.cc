#include "lib/runtime/constraints.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>

#include "lib/runtime/test_constraints.h"

namespace prism {
namespace runtime {
namespace {

std::string Own() { return *ReadGnuBuildId("/proc/self/exe"); }

prism::v1::ConstraintSet TwoHandlers() {
  return MakeConstraintSet({{"on_read", "src/server.c"}, {"on_accept", ""}},
                           {2, 0, 0, 1});
}

TEST(ReadConstraintFileTest, ReadsBinaryAndJson) {
  prism::v1::ConstraintSet set = TwoHandlers();
  auto binary = ReadConstraintFile(WriteConstraintFile("c.pb", set));
  ASSERT_TRUE(binary.ok()) << binary.status();
  EXPECT_EQ(binary->handlers_size(), 2);

  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(set, &json).ok());
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/c.json";
  std::ofstream(path) << json;
  auto parsed = ReadConstraintFile(path);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->matrix().cells(), set.matrix().cells());
}

TEST(ReadConstraintFileTest, RejectsMissingEmptyAndGarbage) {
  EXPECT_EQ(ReadConstraintFile("/nonexistent/c.pb").status().code(),
            absl::StatusCode::kNotFound);
  std::string dir = std::getenv("TEST_TMPDIR");
  std::ofstream(dir + "/empty");
  EXPECT_FALSE(ReadConstraintFile(dir + "/empty").ok());
  std::ofstream(dir + "/garbage", std::ios::binary) << "\xff\xff\xff garbage {";
  auto garbage = ReadConstraintFile(dir + "/garbage");
  EXPECT_FALSE(garbage.ok());
  std::ofstream(dir + "/badjson") << "{\"format_version\": \"x\"";
  EXPECT_FALSE(ReadConstraintFile(dir + "/badjson").ok());
}

TEST(ValidateConstraintsTest, AcceptsOwnWellFormedSet) {
  EXPECT_TRUE(ValidateConstraints(TwoHandlers(), Own()).ok());
}

TEST(ValidateConstraintsTest, SaysWhyItRejects) {
  prism::v1::ConstraintSet set = TwoHandlers();
  set.set_format_version(2);
  EXPECT_NE(ValidateConstraints(set, Own()).message().find("format_version 2"),
            std::string::npos);

  set = TwoHandlers();
  set.set_build_id("deadbeef");
  EXPECT_NE(ValidateConstraints(set, Own()).message().find("deadbeef"),
            std::string::npos);

  set = TwoHandlers();
  set.mutable_matrix()->set_size(3);
  EXPECT_NE(ValidateConstraints(set, Own()).message().find("size 3"),
            std::string::npos);

  set = TwoHandlers();
  set.mutable_matrix()->set_cells(std::string("\x02\x00\x00", 3));
  EXPECT_NE(ValidateConstraints(set, Own()).message().find("3 cells"),
            std::string::npos);

  set = TwoHandlers();
  set.mutable_matrix()->set_cells(std::string("\x02\x01\x00\x01", 4));
  EXPECT_NE(ValidateConstraints(set, Own()).message().find("symmetric"),
            std::string::npos);

  set = TwoHandlers();
  set.mutable_matrix()->set_cells(std::string("\x07\x00\x00\x01", 4));
  EXPECT_NE(ValidateConstraints(set, Own()).message().find("not 0..3"),
            std::string::npos);
}

TEST(PathSuffixMatchTest, MatchesOnWholeComponents) {
  EXPECT_TRUE(PathSuffixMatch("examples/httpd/httpd.c", "httpd.c"));
  EXPECT_TRUE(
      PathSuffixMatch("/src/examples/httpd/httpd.c", "examples/httpd/httpd.c"));
  EXPECT_TRUE(PathSuffixMatch("./a/b.c", "a/b.c"));
  EXPECT_FALSE(PathSuffixMatch("examples/httpd/httpd.c", "d.c"));
  EXPECT_FALSE(PathSuffixMatch("a/x.c", "b/x.c"));
  EXPECT_FALSE(PathSuffixMatch("", "x.c"));
}

TEST(NormalizeHandlerNameTest, StripsCastsAndAddressOf) {
  EXPECT_EQ(NormalizeHandlerName("on_read"), "on_read");
  EXPECT_EQ(NormalizeHandlerName("(event_callback_fn)on_read"), "on_read");
  EXPECT_EQ(NormalizeHandlerName("&Server::on_accept"), "Server::on_accept");
  EXPECT_EQ(NormalizeHandlerName(" ( on_read ) "), "on_read");
}

TEST(HandlerTableTest, MatchesNameAndFileForStaticHandlers) {
  prism::v1::ConstraintSet set = MakeConstraintSet(
      {{"on_read", "src/a.c"}, {"on_read", "src/b.c"}, {"on_accept", ""}},
      std::vector<uint8_t>(9));
  HandlerTable table(set);
  EXPECT_EQ(table.Resolve("on_read", "/build/src/a.c"), 0);
  EXPECT_EQ(table.Resolve("on_read", "b.c"), 1);
  EXPECT_EQ(table.Resolve("on_read", "c.c"), table.unknown());
  EXPECT_EQ(table.Resolve("on_accept", "anything.c"), 2);
  EXPECT_EQ(table.Resolve("&on_accept", nullptr), 2);
  EXPECT_EQ(table.Resolve("on_close", "a.c"), table.unknown());
  EXPECT_EQ(table.Resolve(nullptr, "a.c"), table.unknown());
  EXPECT_EQ(table.name(table.unknown()), "<handlers not in the constraints>");
}

TEST(HandlerTableTest, AmbiguousIsUnknown) {
  prism::v1::ConstraintSet set = MakeConstraintSet(
      {{"cb", "x/a.c"}, {"cb", "y/a.c"}}, std::vector<uint8_t>(4));
  HandlerTable table(set);
  EXPECT_EQ(table.Resolve("cb", "a.c"), table.unknown());
  EXPECT_EQ(table.Resolve("cb", "x/a.c"), 0);
}

TEST(AgentSourceTest, HasNothingYet) {
  auto agent = NewAgentSource("/run/prism/agent.sock");
  EXPECT_EQ(agent->GetConstraints("p", "abc", 1).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace runtime
}  // namespace prism
