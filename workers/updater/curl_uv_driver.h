// Drives a libcurl multi handle from a libuv loop: one uv_poll per socket curl asks about
// (CURLMOPT_SOCKETFUNCTION) and one uv_timer for curl's timeout (CURLMOPT_TIMERFUNCTION). Knows nothing of HTTP.
#pragma once

#include <curl/curl.h>
#include <uv.h>

#include <functional>

#include "common/uv_handle.h"

namespace nefia::updater {

class CurlUvDriver {
 public:
  // Called for each easy handle curl finished (already removed from the multi handle), with its result code.
  using DoneCallback = std::function<void(CURL* easy, CURLcode result)>;

  CurlUvDriver(uv_loop_t* loop, DoneCallback onDone);
  CurlUvDriver(const CurlUvDriver&) = delete;
  CurlUvDriver& operator=(const CurlUvDriver&) = delete;
  // Removes every easy handle still running (their owners free them) and closes every handle it opened.
  ~CurlUvDriver();

  bool ok() const { return multi_ != nullptr && timer_.initialized(); }
  CURLMcode add(CURL* easy);
  // Stops a running transfer without calling onDone (its owner reports the reason itself).
  void remove(CURL* easy);

 private:
  struct SocketWatch;

  static int onSocket(CURL* easy, curl_socket_t socket, int what, void* self, void* socketData);
  static int onTimerChange(CURLM* multi, long timeoutMs, void* self);
  static void onTimer(uv_timer_t* timer);
  static void onPoll(uv_poll_t* poll, int status, int events);

  void act(curl_socket_t socket, int events);
  void reportFinished();

  uv_loop_t* loop_;
  DoneCallback onDone_;
  CURLM* multi_ = nullptr;
  UvHandle<uv_timer_t> timer_;
};

}  // namespace nefia::updater
