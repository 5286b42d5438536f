// Tests for common/panic: a broken invariant stops the process with one line that says what and where.
#include "common/panic.h"

#include <gtest/gtest.h>

#include <string>

namespace nefia {
namespace {

TEST(PanicDeathTest, SaysWhatBrokeAndWhere) {
  const std::string where = "panic_test.cc:" + std::to_string(__LINE__ + 1) + "\\)\n$";
  EXPECT_DEATH(panic("the roles table lost a row"), "^nefia-agent: internal error: the roles table lost a row \\(.*" + where);
}

TEST(PanicDeathTest, CheckNamesItsCallersLine) {
  const std::string where = "panic_test.cc:" + std::to_string(__LINE__ + 1) + "\\)";
  EXPECT_DEATH(check(false, "a second Netstack"), where);
}

TEST(PanicDeathTest, CheckStopsOnlyWhenTheConditionFails) {
  check(true, "never printed");
  EXPECT_DEATH(check(false, "a second Netstack"), "internal error: a second Netstack");
}

}  // namespace
}  // namespace nefia
