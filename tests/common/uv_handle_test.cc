// Tests for common/uv_handle: memory is freed in the close callback, `done` runs after it, and handles that were
// never initialised or are dropped without close() still leave the loop closable.
#include "common/uv_handle.h"

#include <gtest/gtest.h>

#include "tests/ipc/test_support.h"

namespace nefia::ipc {
namespace {

class UvHandleTest : public testing::LoopTest {};

TEST_F(UvHandleTest, DoneRunsFromTheCloseCallback) {
  UvHandle<uv_timer_t> timer;
  ASSERT_EQ(timer.init(uv_timer_init, &loop_), 0);
  bool done = false;
  timer.close([&] { done = true; });
  EXPECT_FALSE(done) << "libuv closes handles on the next loop iteration";
  EXPECT_EQ(timer.get(), nullptr);
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(done);
}

TEST_F(UvHandleTest, DroppedHandleIsClosedByItsDestructor) {
  {
    UvHandle<uv_timer_t> timer;
    ASSERT_EQ(timer.init(uv_timer_init, &loop_), 0);
    ASSERT_EQ(uv_timer_start(timer.get(), [](uv_timer_t*) {}, 60000, 0), 0);
  }
  // TearDown runs the loop dry and requires uv_loop_close() == 0: the active timer was closed, not leaked.
}

TEST_F(UvHandleTest, NeverInitialisedHandleNeedsNoLoop) {
  UvHandle<uv_poll_t> poll;
  EXPECT_FALSE(poll.initialized());
  EXPECT_NE(poll.init(uv_poll_init, &loop_, -1), 0);
  bool done = false;
  poll.close([&] { done = true; });
  EXPECT_TRUE(done);
}

TEST_F(UvHandleTest, MoveTransfersOwnership) {
  UvHandle<uv_timer_t> first;
  ASSERT_EQ(first.init(uv_timer_init, &loop_), 0);
  uv_timer_t* raw = first.get();
  UvHandle<uv_timer_t> second(std::move(first));
  EXPECT_EQ(first.get(), nullptr);
  EXPECT_EQ(second.get(), raw);
  EXPECT_TRUE(second.initialized());
}

}  // namespace
}  // namespace nefia::ipc
