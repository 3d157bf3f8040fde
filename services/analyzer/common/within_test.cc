#include "services/analyzer/common/within.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace prism::within {
namespace {

using Kind = PlaceMatch::Kind;
using Selectors = std::vector<std::string>;

std::vector<std::pair<Kind, Selectors>> Outcomes(const Selectors& within,
                                                 const Selectors& wanted) {
  std::vector<std::pair<Kind, Selectors>> out;
  for (const PlaceMatch& match : MatchPlace(within, wanted))
    out.emplace_back(match.kind, match.rest);
  return out;
}

TEST(MatchPlace, ExactPlace) {
  EXPECT_THAT(Outcomes({"c"}, {"c"}),
              testing::ElementsAre(std::make_pair(Kind::kAt, Selectors{})));
}

TEST(MatchPlace, FieldsCompareByNameAndDereferencesMatch) {
  EXPECT_THAT(
      Outcomes({"c", "[]"}, {"ref::c", "*", "n"}),
      testing::ElementsAre(std::make_pair(Kind::kAbove, Selectors{"n"})));
}

TEST(MatchPlace, DifferentFieldsAreDisjoint) {
  EXPECT_TRUE(MatchPlace({"c"}, {"d", "*"}).empty());
  EXPECT_TRUE(MatchPlace({"*"}, {"d"}).empty());
}

TEST(MatchPlace, ValueBelowWantedPlace) {
  EXPECT_THAT(Outcomes({"*", "c"}, {"*"}), testing::ElementsAre(std::make_pair(
                                               Kind::kBelow, Selectors{"c"})));
}

TEST(MatchPlace, AnyPlaceAbsorbsFieldsNotDereferences) {
  EXPECT_THAT(Outcomes({kAnyPlace}, {"a", "b", "*", "n"}),
              testing::UnorderedElementsAre(
                  std::make_pair(Kind::kAbove, Selectors{"a", "b", "*", "n"}),
                  std::make_pair(Kind::kAbove, Selectors{"b", "*", "n"}),
                  std::make_pair(Kind::kAbove, Selectors{"*", "n"})));
  EXPECT_THAT(
      Outcomes({"*", kAnyPlace}, {"*"}),
      testing::ElementsAre(std::make_pair(Kind::kBelow, Selectors{kAnyPlace})));
}

}  // namespace
}  // namespace prism::within
