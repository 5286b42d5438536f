// Unit tests for jsonNestsDeeperThan (common/json_depth.h): bracket depth outside strings, escapes inside
// them, and the limit itself.
#include "common/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace nefia {
namespace {

TEST(JsonDepth, CountsBracketsOfBothKindsUpToTheLimit) {
  EXPECT_FALSE(jsonNestsDeeperThan(R"({"a":[{"b":1}]})", 3));
  EXPECT_TRUE(jsonNestsDeeperThan(R"({"a":[{"b":[1]}]})", 3));
  EXPECT_FALSE(jsonNestsDeeperThan(std::string(16, '[') + std::string(16, ']'), 16));
  EXPECT_TRUE(jsonNestsDeeperThan(std::string(17, '['), 16));
}

TEST(JsonDepth, BracketsInsideStringsAndEscapedQuotesDoNotCount) {
  EXPECT_FALSE(jsonNestsDeeperThan(R"({"a":"[[[[{{{{"})", 1));
  EXPECT_FALSE(jsonNestsDeeperThan(R"({"a":"\"[[[[","b":"\\"})", 1));
  EXPECT_TRUE(jsonNestsDeeperThan(R"({"a":"\\",[[1]]})", 2));
}

TEST(JsonDepth, ClosingBracketsBeyondZeroAndEmptyTextAreHarmless) {
  EXPECT_FALSE(jsonNestsDeeperThan("]]]]}}}}", 0));
  EXPECT_FALSE(jsonNestsDeeperThan("", 0));
  EXPECT_TRUE(jsonNestsDeeperThan("[", 0));
}

}  // namespace
}  // namespace nefia
