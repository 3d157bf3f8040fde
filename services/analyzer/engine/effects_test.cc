#include "services/analyzer/engine/effects.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace prism::analyzer {
namespace {

using Selectors = std::vector<std::string>;

Value LoadedFromParameter(int index, Selectors selectors, bool truncated) {
  Value value;
  value.kind = Value::Kind::kLoadedFrom;
  value.path.base = BaseKind::kParameter;
  value.path.index = index;
  value.path.name = "arg";
  value.path.selectors = std::move(selectors);
  value.path.truncated = truncated;
  return value;
}

// A callee's `r->pending` instantiated with a caller's r = c->head.
TEST(Effects, SelectorsAppendToAnExactPath) {
  std::vector<Path> paths;
  PathsThrough({LoadedFromParameter(2, {"*", "head"}, false)}, {"*", "pending"},
               &paths);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].selectors, (Selectors{"*", "head", "*", "pending"}));
  EXPECT_FALSE(paths[0].truncated);
}

// r walked along a list (`while (r->next) r = r->next;`): the front-end cuts
// its origin to "somewhere below c->head". Appending the callee's selectors
// would name one depth of the list and miss accesses at other depths.
TEST(Effects, NothingAppendsToATruncatedPath) {
  std::vector<Path> paths;
  PathsThrough({LoadedFromParameter(2, {"*", "head", "*"}, true)},
               {"*", "pending"}, &paths);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].selectors, (Selectors{"*", "head", "*"}));
  EXPECT_TRUE(paths[0].truncated);
  // It still overlaps an access several nodes down the list.
  EXPECT_TRUE(SelectorsOverlap(
      paths[0].selectors,
      {"*", "head", "*", "next", "*", "next", "*", "pending"}));
}

// A callee effect that stands for everything below it ("everything reachable
// from the argument") stays so after instantiation, so a caller further up
// cannot narrow it either.
TEST(Effects, TruncatedCalleePathStaysTruncated) {
  std::vector<Path> paths;
  PathsThrough({LoadedFromParameter(0, {"*", "buf"}, false)}, {"*"}, &paths,
               /*truncated=*/true);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].truncated);
  std::vector<Value> values;
  ValuesThrough({LoadedFromParameter(0, {"*", "buf"}, false)}, {"*"}, &values,
                /*truncated=*/true);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_TRUE(values[0].path.truncated);
}

TEST(Effects, TruncationIsPartOfThePathsIdentity) {
  Path exact = LoadedFromParameter(0, {"*", "x"}, false).path;
  Path below = LoadedFromParameter(0, {"*", "x"}, true).path;
  EXPECT_NE(exact.Key(), below.Key());
}

TEST(Effects, LongPathsAreCutAndMarked) {
  Selectors long_chain;
  for (int i = 0; i < 12; ++i) long_chain.push_back(i % 2 ? "next" : "*");
  std::vector<Path> paths;
  PathsThrough({LoadedFromParameter(0, {}, false)}, long_chain, &paths);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_LE(paths[0].selectors.size(), long_chain.size());
  EXPECT_TRUE(paths[0].truncated);
}

Value AddressOfGlobal(Selectors selectors, bool truncated) {
  Value value;
  value.kind = Value::Kind::kAddressOf;
  value.path.base = BaseKind::kGlobal;
  value.path.key = "c:@g_server";
  value.path.name = "g_server";
  value.path.selectors = std::move(selectors);
  value.path.truncated = truncated;
  return value;
}

// A callee's container_of(arg, struct server, stats)->hits, instantiated with
// &g_server.stats: anywhere in g_server, even when the argument was already
// cut to everything below g_server.stats.
TEST(Effects, ArithmeticBelowAnArgumentReachesTheObjectAroundIt) {
  for (bool truncated : {false, true}) {
    std::vector<Path> paths;
    PathsThrough({AddressOfGlobal({"server::stats"}, truncated)},
                 {"*", "<enclosing>"}, &paths, /*truncated=*/true);
    ASSERT_EQ(paths.size(), 1u);
    EXPECT_TRUE(paths[0].selectors.empty());
    EXPECT_TRUE(paths[0].truncated);
    EXPECT_TRUE(SelectorsOverlap(paths[0].selectors, {"server::hits"}));
  }
}

// Through a caller's parameter the object is known one level up only: the
// marker stays, and overlaps every field of the parameter's pointee.
TEST(Effects, ArithmeticBelowAParameterWaitsForItsCaller) {
  std::vector<Path> paths;
  PathsThrough({LoadedFromParameter(0, {}, false)}, {"*", "<enclosing>"},
               &paths, /*truncated=*/true);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].selectors, (Selectors{"*", "<enclosing>"}));
  EXPECT_TRUE(paths[0].truncated);
  EXPECT_TRUE(SelectorsOverlap(paths[0].selectors, {"*", "conn::refcount"}));
  EXPECT_TRUE(
      ContextSelectorsOverlap(paths[0].selectors, {"*", "conn::refcount"}));
}

}  // namespace
}  // namespace prism::analyzer
