// The agent's only HTTPS client: requests run concurrently on libcurl's multi interface inside one libuv loop,
// each with a total deadline, a response cap and certificate verification that cannot be turned off.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "common/result.h"
#include "common/uv_handle.h"
#include "workers/updater/curl_uv_driver.h"
#include "workers/updater/https_request.h"

namespace nefia::updater {

class HttpsTransfer;

class HttpsClient {
 public:
  using Completion = std::function<void(HttpsResponse)>;

  HttpsClient(uv_loop_t* loop, HttpsTrust trust);
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;
  // Requests still running are dropped without their completion. Not to be destroyed from a completion.
  ~HttpsClient();

  // Checks the request (https:// only, ...) and starts it; a refused request returns the error and never
  // connects. The request's bearer secret is wiped here. `done` runs once, from the loop, never from start().
  Status start(HttpsRequest request, Completion done);
  std::size_t running() const { return requests_.size(); }

 private:
  struct Running;

  void onCurlDone(CURL* easy, CURLcode result);
  static void onDeadline(uv_timer_t* timer);
  void complete(std::map<uint64_t, std::unique_ptr<Running>>::iterator request, HttpsResponse response);

  uv_loop_t* loop_;
  HttpsTrust trust_;
  std::map<uint64_t, std::unique_ptr<Running>> requests_;
  uint64_t nextId_ = 1;
  // Declared last, destroyed first: removes the easy handles before the transfers that own them go.
  std::unique_ptr<CurlUvDriver> driver_;
};

}  // namespace nefia::updater
