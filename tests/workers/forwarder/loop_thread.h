// Test helper: runs a libuv loop on its own thread and lets the test thread run code on it and wait for
// the answer (bounded). Never lets a test hang: every wait has a deadline and fails loudly.
#pragma once

#include <pthread.h>
#include <uv.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "common/uv_handle.h"

namespace nefia::forwarder::testing {

class LoopThread {
 public:
  LoopThread() {
    uv_loop_init(&loop_);
    async_.init(uv_async_init, &loop_, &LoopThread::onAsync);
    async_.get()->data = this;
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "uv-loop");  // lets perf and top show the loop thread apart
      uv_run(&loop_, UV_RUN_DEFAULT);
    });
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;
  ~LoopThread() { stop(); }

  uv_loop_t* loop() { return &loop_; }

  // Runs `work` on the loop thread and returns its result; aborts the test binary after `limit`.
  template <typename Work>
  auto call(Work work, std::chrono::milliseconds limit = std::chrono::seconds(20)) -> decltype(work()) {
    using Value = decltype(work());
    auto task = std::make_shared<std::packaged_task<Value()>>(std::move(work));
    std::future<Value> result = task->get_future();
    post([task] { (*task)(); });
    if (result.wait_for(limit) != std::future_status::ready) {
      std::fprintf(stderr, "LoopThread::call did not finish within %lld ms\n", static_cast<long long>(limit.count()));
      std::abort();
    }
    return result.get();
  }

  // The send happens under the mutex so it can never race with the loop thread closing the handle.
  void post(std::function<void()> work) {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(work));
    uv_async_send(async_.get());
  }

  // Closes the async handle, waits for the loop to run dry and returns uv_loop_close()'s status.
  int stop() {
    if (!thread_.joinable()) return closeStatus_;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      uv_async_send(async_.get());
    }
    thread_.join();
    closeStatus_ = uv_loop_close(&loop_);
    return closeStatus_;
  }

 private:
  static void onAsync(uv_async_t* handle) {
    auto* self = static_cast<LoopThread*>(handle->data);
    std::deque<std::function<void()>> work;
    bool stopping = false;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      work.swap(self->queue_);
      stopping = self->stopping_;
    }
    for (auto& item : work) item();
    if (stopping) {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->async_.close();
    }
  }

  uv_loop_t loop_{};
  UvHandle<uv_async_t> async_;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  int closeStatus_ = 0;
};

}  // namespace nefia::forwarder::testing
