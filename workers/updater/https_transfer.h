// One request in flight: its curl easy handle configured so verification, the https-only rule, no redirects,
// the total deadline and the size cap cannot be loosened, and the answer collected within the cap.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"
#include "workers/updater/https_request.h"
#include "workers/updater/public_key_pin.h"

namespace nefia::updater {

class HttpsTransfer {
 public:
  // Takes the request's bearer secret (the request's copy is wiped).
  static Result<std::unique_ptr<HttpsTransfer>> create(HttpsRequest& request, const HttpsTrust& trust);
  HttpsTransfer(const HttpsTransfer&) = delete;
  HttpsTransfer& operator=(const HttpsTransfer&) = delete;
  ~HttpsTransfer();  // wipes the Authorization header line

  CURL* easy() const { return easy_; }
  std::chrono::milliseconds deadline() const { return deadline_; }
  std::chrono::steady_clock::time_point startedAt() const { return startedAt_; }

  // The outcome once curl finished with `result`, or when our own deadline check ended it first.
  HttpsResponse finish(CURLcode result);
  HttpsResponse finishTimedOut();

 private:
  HttpsTransfer() = default;
  Status configure(const HttpsRequest& request, const HttpsTrust& trust);
  Status configureTrust(const HttpsTrust& trust);
  Status configureHeaders(HttpsRequest& request);

  static size_t onBody(char* data, size_t size, size_t count, void* self);
  static size_t onHeader(char* data, size_t size, size_t count, void* self);
  static CURLcode onSslContext(CURL* easy, void* sslContext, void* self);

  std::string failureText(CURLcode result) const;
  std::string timeoutText() const;

  CURL* easy_ = nullptr;
  curl_slist* headerLines_ = nullptr;
  std::string method_;
  std::string requestBody_;
  std::string url_;
  std::string caFile_;
  std::size_t maxResponseBytes_ = kDefaultMaxResponseBytes;
  std::chrono::milliseconds deadline_{};
  std::chrono::steady_clock::time_point startedAt_;
  std::string body_;
  bool tooLarge_ = false;
  PinCheck pinCheck_;
  char curlError_[CURL_ERROR_SIZE] = {};
};

}  // namespace nefia::updater
