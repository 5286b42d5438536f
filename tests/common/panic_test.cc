// Tests for common/panic: a broken invariant stops the process with one line that says what and where.
#include "common/panic.h"

#include <gtest/gtest.h>

namespace nefia {
namespace {

TEST(PanicDeathTest, SaysWhatBrokeAndWhere) {
  EXPECT_DEATH(panic("the roles table lost a row"),
               "^nefia-agent: internal error: the roles table lost a row \\(.*panic_test.cc:[0-9]+\\)\n$");
}

TEST(PanicDeathTest, CheckStopsOnlyWhenTheConditionFails) {
  check(true, "never printed");
  EXPECT_DEATH(check(false, "a second Netstack"), "internal error: a second Netstack");
}

}  // namespace
}  // namespace nefia
