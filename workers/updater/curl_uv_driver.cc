// Drives a libcurl multi handle from a libuv loop (see curl_uv_driver.h), after libcurl's multi-uv example.
// curl is never re-entered from its own callbacks: the timer callback only arms the uv_timer.
#include "workers/updater/curl_uv_driver.h"

#include <utility>

namespace nefia::updater {

struct CurlUvDriver::SocketWatch {
  CurlUvDriver* driver;
  curl_socket_t socket;
  UvHandle<uv_poll_t> poll;
};

CurlUvDriver::CurlUvDriver(uv_loop_t* loop, DoneCallback onDone) : loop_(loop), onDone_(std::move(onDone)) {
  if (timer_.init(uv_timer_init, loop_) != 0) return;
  timer_.get()->data = this;
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlUvDriver::onSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlUvDriver::onTimerChange);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlUvDriver::~CurlUvDriver() {
  if (multi_ != nullptr) {
    // Cleanup tells onSocket to remove every watched socket, which closes its uv_poll.
    curl_multi_cleanup(multi_);
  }
  timer_.close();
}

CURLMcode CurlUvDriver::add(CURL* easy) { return curl_multi_add_handle(multi_, easy); }

void CurlUvDriver::remove(CURL* easy) { curl_multi_remove_handle(multi_, easy); }

int CurlUvDriver::onSocket(CURL*, curl_socket_t socket, int what, void* self, void* socketData) {
  auto* driver = static_cast<CurlUvDriver*>(self);
  auto* watch = static_cast<SocketWatch*>(socketData);
  if (what == CURL_POLL_REMOVE) {
    if (watch != nullptr) {
      curl_multi_assign(driver->multi_, socket, nullptr);
      watch->poll.close([watch] { delete watch; });
    }
    return 0;
  }
  if (watch == nullptr) {
    watch = new SocketWatch{driver, socket, {}};
    if (watch->poll.init(uv_poll_init_socket, driver->loop_, socket) != 0) {
      delete watch;
      return -1;  // curl fails that transfer with CURLE_ABORTED_BY_CALLBACK
    }
    watch->poll.get()->data = watch;
    curl_multi_assign(driver->multi_, socket, watch);
  }
  int events = 0;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= UV_READABLE;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= UV_WRITABLE;
  uv_poll_start(watch->poll.get(), events, &CurlUvDriver::onPoll);
  return 0;
}

int CurlUvDriver::onTimerChange(CURLM*, long timeoutMs, void* self) {
  auto* driver = static_cast<CurlUvDriver*>(self);
  if (timeoutMs < 0) {
    uv_timer_stop(driver->timer_.get());
  } else {
    uv_timer_start(driver->timer_.get(), &CurlUvDriver::onTimer, static_cast<uint64_t>(timeoutMs), 0);
  }
  return 0;
}

void CurlUvDriver::onTimer(uv_timer_t* timer) {
  static_cast<CurlUvDriver*>(timer->data)->act(CURL_SOCKET_TIMEOUT, 0);
}

void CurlUvDriver::onPoll(uv_poll_t* poll, int status, int events) {
  auto* watch = static_cast<SocketWatch*>(poll->data);
  int flags = 0;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  watch->driver->act(watch->socket, flags);
}

void CurlUvDriver::act(curl_socket_t socket, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, events, &running);
  reportFinished();
}

void CurlUvDriver::reportFinished() {
  int pending = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &pending)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;
    curl_multi_remove_handle(multi_, easy);
    onDone_(easy, result);
  }
}

}  // namespace nefia::updater
