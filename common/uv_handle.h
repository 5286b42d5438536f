// UvHandle<T>: the one owner of a libuv handle's memory, which is freed only in the close callback.
// Nothing else may call uv_close; the handle must not be used after close() (its data field is taken over).
#pragma once

#include <uv.h>

#include <functional>
#include <utility>

namespace nefia {

template <typename T>
class UvHandle {
 public:
  UvHandle() : box_(new Box) {}
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  UvHandle(UvHandle&& other) noexcept : box_(std::exchange(other.box_, nullptr)) {}
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      close();
      box_ = std::exchange(other.box_, nullptr);
    }
    return *this;
  }
  // A handle still open here is closed; its memory is freed when the loop next runs its close callbacks.
  ~UvHandle() { close(); }

  // Runs initFunction(loop, handle, args...) (uv_poll_init, uv_timer_init, ...) and returns its libuv status.
  // Only a successfully initialised handle is handed to uv_close later; a failed one is simply deleted.
  template <typename InitFunction, typename... Args>
  int init(InitFunction initFunction, uv_loop_t* loop, Args&&... args) {
    const int status = initFunction(loop, &box_->handle, std::forward<Args>(args)...);
    box_->initialized = (status == 0);
    return status;
  }

  T* get() const { return box_ ? &box_->handle : nullptr; }
  uv_handle_t* asHandle() const { return box_ ? reinterpret_cast<uv_handle_t*>(&box_->handle) : nullptr; }
  bool initialized() const { return box_ != nullptr && box_->initialized; }

  // Closes the handle; `done` runs from the close callback, after the memory is freed. A handle that was
  // never initialised needs no loop round trip, so `done` then runs before close() returns.
  void close(std::function<void()> done = {}) {
    Box* box = std::exchange(box_, nullptr);
    if (box == nullptr) return;
    if (!box->initialized) {
      delete box;
      if (done) done();
      return;
    }
    box->done = std::move(done);
    box->handle.data = box;
    uv_close(reinterpret_cast<uv_handle_t*>(&box->handle), &UvHandle::onClosed);
  }

 private:
  struct Box {
    T handle{};
    std::function<void()> done;
    bool initialized = false;
  };

  static void onClosed(uv_handle_t* handle) {
    Box* box = static_cast<Box*>(handle->data);
    std::function<void()> done = std::move(box->done);
    delete box;
    if (done) done();
  }

  Box* box_;
};

}  // namespace nefia
