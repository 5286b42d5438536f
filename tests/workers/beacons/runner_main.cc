// main() of the runner tests: drops from root to kRunnerTestUid first (RLIMIT_NPROC only binds
// unprivileged users, and the fork bomb test must be bounded), then runs GoogleTest.
#include <grp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "tests/workers/beacons/runner_fixture.h"

int main(int argc, char** argv) {
  using nefia::beacons::testing::kRunnerTestUid;
  if (::geteuid() == 0 &&
      (::setgroups(0, nullptr) != 0 || ::setgid(kRunnerTestUid) != 0 || ::setuid(kRunnerTestUid) != 0)) {
    std::perror("dropping to the runner test uid");
    return 1;
  }
  if (!nefia::beacons::ChildReaper::becomeSubreaper()) {
    std::perror("PR_SET_CHILD_SUBREAPER");
    return 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
