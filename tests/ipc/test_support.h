// Helpers shared by the IPC tests: a libuv loop that must end empty, frame builders, fd counting.
// Never hide a leaked handle: every fixture asserts uv_loop_close() == 0.
#pragma once

#include <dirent.h>
#include <uv.h>

#include <chrono>
#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ipc/frame.h"
#include "ipc/message_types.h"

namespace nefia::ipc::testing {

inline RawFrame rawFrame(uint8_t type, std::string_view payload) {
  RawFrame frame;
  Result<std::vector<uint8_t>> bytes = encodeFrame(type, payload);
  EXPECT_TRUE(bytes.ok()) << bytes.error();
  if (bytes.ok()) frame.bytes = std::move(bytes.value());
  return frame;
}

inline RawFrame rawFrame(MessageType type, const nlohmann::json& payload) {
  return rawFrame(static_cast<uint8_t>(type), payload.dump());
}

// Open fds of this process, from /proc/self/fd (minus the directory's own fd).
inline int countOpenFds() {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) return -1;
  int count = 0;
  while (readdir(directory) != nullptr) ++count;
  closedir(directory);
  return count - 3;  // ".", ".." and the directory fd itself
}

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }

  // Runs the loop until `done` holds, at most `limit` (every wait is bounded).
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(2)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_NOWAIT);
    }
    return true;
  }

  uv_loop_t loop_{};
};

}  // namespace nefia::ipc::testing
