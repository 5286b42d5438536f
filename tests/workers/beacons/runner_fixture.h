// A libuv loop with a ChildReaper and a ScriptRunner for runner tests, plus helpers to run the loop
// until a condition holds and to look at processes. Tests run as an unprivileged uid (runner_main.cc).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "workers/beacons/child_reaper.h"
#include "workers/beacons/script_runner.h"

namespace nefia::beacons::testing {

// The uid runner tests drop to when started as root: RLIMIT_NPROC is not enforced for root, and a
// uid of its own keeps the process count of a fork bomb apart from every other process.
inline constexpr uid_t kRunnerTestUid = 61515;

class RunnerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    reaper_.emplace(&loop_);
    ScriptLimits limits;
    limits.processes = 40;
    runner_.emplace(&loop_, *reaper_, limits);
    char pattern[] = "/tmp/bcn-runner-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    scratch_ = pattern;
  }
  void TearDown() override {
    runner_.reset();
    reaper_.reset();
    while (uv_run(&loop_, UV_RUN_NOWAIT) != 0) {
    }
    (void)uv_loop_close(&loop_);
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  ScriptJob job(const std::string& name, const std::string& command, Duration timeout = Duration(5000)) {
    return ScriptJob{name, command, timeout, scratch_};
  }

  // Starts a job; the returned slot fills when it ends.
  std::shared_ptr<std::optional<ScriptOutcome>> start(const ScriptJob& script) {
    auto slot = std::make_shared<std::optional<ScriptOutcome>>();
    runner_->start(script, [slot](ScriptOutcome outcome) { *slot = std::move(outcome); });
    return slot;
  }

  // Runs the loop until `done` holds or `limit` passes; true when it holds.
  bool runUntil(const std::function<bool()>& done, Duration limit) {
    const auto deadline = Clock::now() + limit;
    uv_timer_t tick;
    uv_timer_init(&loop_, &tick);
    uv_timer_start(&tick, [](uv_timer_t*) {}, 5, 5);
    bool held = done();
    while (!held && Clock::now() < deadline) {
      uv_run(&loop_, UV_RUN_ONCE);
      held = done();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
    return held;
  }
  void runFor(Duration span) {
    runUntil([] { return false; }, span);
  }

  ScriptOutcome runToEnd(const ScriptJob& script, Duration limit = Duration(15000)) {
    auto slot = start(script);
    EXPECT_TRUE(runUntil([&] { return slot->has_value(); }, limit)) << script.name << " did not end";
    return slot->value_or(ScriptOutcome{});
  }

  std::string readScratch(const std::string& file) {
    std::ifstream in(scratch_ + "/" + file);
    std::string text;
    std::getline(in, text);
    return text;
  }
  static bool processExists(pid_t pid) { return pid > 0 && std::filesystem::exists("/proc/" + std::to_string(pid)); }

  uv_loop_t loop_{};
  std::optional<ChildReaper> reaper_;
  std::optional<ScriptRunner> runner_;
  std::string scratch_;
};

}  // namespace nefia::beacons::testing
