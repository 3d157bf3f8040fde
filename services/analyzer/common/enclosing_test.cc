#include "services/analyzer/common/enclosing.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace prism::enclosing {
namespace {

using Selectors = std::vector<std::string>;

Selectors Cut(Selectors selectors, Base base) {
  EXPECT_TRUE(CutToEnclosing(&selectors, nullptr, base));
  return selectors;
}

TEST(CutToEnclosing, NoMarkerLeavesThePathAlone) {
  Selectors selectors = {"*", "conn::in"};
  EXPECT_FALSE(CutToEnclosing(&selectors, nullptr, Base::kResolved));
  EXPECT_THAT(selectors, testing::ElementsAre("*", "conn::in"));
}

TEST(CutToEnclosing, CutsBackToTheLastDereference) {
  EXPECT_THAT(
      Cut({"*", "outer::in", "inner::node", kEnclosingObject, "conn::refcount"},
          Base::kResolved),
      testing::ElementsAre("*"));
  EXPECT_THAT(
      Cut({"slots", "[]", "slot::c", kEnclosingObject}, Base::kResolved),
      testing::ElementsAre("slots", "[]"));
}

TEST(CutToEnclosing, WithoutDereferenceTheBaseObjectIsTheWhole) {
  EXPECT_TRUE(
      Cut({"server::stats", kEnclosingObject}, Base::kResolved).empty());
  EXPECT_TRUE(Cut({"in", kEnclosingObject}, Base::kFirstDereferenceBound)
                  .empty());  // A struct parameter's own copy.
}

TEST(CutToEnclosing, AnArgumentsPointeeWaitsForTheLinkStep) {
  EXPECT_THAT(
      Cut({"*", "conn::node", kEnclosingObject}, Base::kFirstDereferenceBound),
      testing::ElementsAre("*", kEnclosingObject));
  EXPECT_THAT(Cut({"*", "conn::buf", "*", kEnclosingObject},
                  Base::kFirstDereferenceBound),
              testing::ElementsAre("*", "conn::buf", "*"));
  EXPECT_THAT(Cut({"conn::node", kEnclosingObject}, Base::kBaseBound),
              testing::ElementsAre(kEnclosingObject));
}

TEST(CutToEnclosing, RecordsAreCutAlongside) {
  Selectors selectors = {"*", "in", "node", kEnclosingObject};
  Selectors records = {"", "outer", "inner", ""};
  EXPECT_TRUE(
      CutToEnclosing(&selectors, &records, Base::kFirstDereferenceBound));
  EXPECT_THAT(selectors, testing::ElementsAre("*", kEnclosingObject));
  EXPECT_THAT(records, testing::ElementsAre("", ""));
}

}  // namespace
}  // namespace prism::enclosing
