// One request in flight (see https_transfer.h): every curl option that makes the guarantees, set in one place.
// Nothing here can switch verification off: there is no option for it, and trust is a CA file or a pin.
#include "workers/updater/https_transfer.h"

#include <openssl/crypto.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "workers/updater/https_request_check.h"

namespace nefia::updater {
namespace {

bool startsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<HttpsTransfer>> HttpsTransfer::create(HttpsRequest& request, const HttpsTrust& trust) {
  if (Status valid = checkHttpsRequest(request); !valid) return makeError(valid.error());
  if (Status valid = checkHttpsTrust(trust); !valid) return makeError(valid.error());
  std::unique_ptr<HttpsTransfer> transfer(new HttpsTransfer());
  transfer->easy_ = curl_easy_init();
  if (transfer->easy_ == nullptr) return makeError("libcurl could not create a transfer (out of memory?)");
  if (Status configured = transfer->configureHeaders(request); !configured) return makeError(configured.error());
  if (Status configured = transfer->configure(request, trust); !configured) return makeError(configured.error());
  transfer->startedAt_ = std::chrono::steady_clock::now();
  return transfer;
}

HttpsTransfer::~HttpsTransfer() {
  if (easy_ != nullptr) curl_easy_cleanup(easy_);
  for (curl_slist* line = headerLines_; line != nullptr; line = line->next) {
    OPENSSL_cleanse(line->data, std::strlen(line->data));
  }
  curl_slist_free_all(headerLines_);
}

Status HttpsTransfer::configureHeaders(HttpsRequest& request) {
  std::string line;
  auto append = [this, &line]() {
    curl_slist* grown = curl_slist_append(headerLines_, line.c_str());
    OPENSSL_cleanse(line.data(), line.size());
    if (grown == nullptr) return false;
    headerLines_ = grown;
    return true;
  };
  for (const auto& [name, value] : request.headers) {
    line = name + ": " + value;
    if (!append()) return makeError("out of memory building request headers");
  }
  line = "Expect:";  // no 100-continue round trip inside the deadline
  if (!append()) return makeError("out of memory building request headers");
  if (!request.bearerSecret.empty()) {
    line = "Authorization: Bearer " + request.bearerSecret;
    OPENSSL_cleanse(request.bearerSecret.data(), request.bearerSecret.size());
    request.bearerSecret.clear();
    if (!append()) return makeError("out of memory building request headers");
  }
  return Status::success();
}

Status HttpsTransfer::configure(const HttpsRequest& request, const HttpsTrust& trust) {
  url_ = request.url;
  method_ = request.method;
  requestBody_ = request.body;
  maxResponseBytes_ = request.maxResponseBytes;
  deadline_ = request.deadline;
  const long deadlineMs = static_cast<long>(deadline_.count());
  bool set = curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str()) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "https") == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, deadlineMs) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, deadlineMs) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
             // A fresh connection and no TLS session reuse: every request is verified from its own handshake.
             curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_SSL_SESSIONID_CACHE, 0L) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(maxResponseBytes_)) ==
                 CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headerLines_) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpsTransfer::onBody) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &HttpsTransfer::onHeader) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, curlError_) == CURLE_OK;
  if (method_ == "GET") {
    set = set && curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L) == CURLE_OK;
  } else {
    const auto bodySize = static_cast<curl_off_t>(requestBody_.size());
    set = set && curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, bodySize) == CURLE_OK &&
          curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, requestBody_.data()) == CURLE_OK &&
          curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, method_.c_str()) == CURLE_OK;
  }
  if (!set) return makeError("libcurl refused an option this client needs (libcurl older than 7.85?)");
  return configureTrust(trust);
}

Status HttpsTransfer::configureTrust(const HttpsTrust& trust) {
  bool set = curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
             curl_easy_setopt(easy_, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)) == CURLE_OK;
  if (!trust.caFile.empty()) {
    caFile_ = trust.caFile;
    set = set && curl_easy_setopt(easy_, CURLOPT_CAINFO, caFile_.c_str()) == CURLE_OK &&
          curl_easy_setopt(easy_, CURLOPT_CAPATH, nullptr) == CURLE_OK;  // only this file, not the system store
  } else {
    pinCheck_.pin = trust.publicKeyPin;
    set = set && curl_easy_setopt(easy_, CURLOPT_PINNEDPUBLICKEY, pinCheck_.pin.c_str()) == CURLE_OK &&
          curl_easy_setopt(easy_, CURLOPT_SSL_CTX_FUNCTION, &HttpsTransfer::onSslContext) == CURLE_OK &&
          curl_easy_setopt(easy_, CURLOPT_SSL_CTX_DATA, this) == CURLE_OK;
  }
  if (!set) return makeError("libcurl refused a TLS option this client needs (is it built with OpenSSL?)");
  return Status::success();
}

CURLcode HttpsTransfer::onSslContext(CURL*, void* sslContext, void* self) {
  auto* transfer = static_cast<HttpsTransfer*>(self);
  installPinVerification(static_cast<SSL_CTX*>(sslContext), &transfer->pinCheck_);
  return CURLE_OK;
}

size_t HttpsTransfer::onBody(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<HttpsTransfer*>(self);
  const size_t bytes = size * count;
  if (bytes > transfer->maxResponseBytes_ - transfer->body_.size()) {
    transfer->tooLarge_ = true;
    return 0;  // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  transfer->body_.append(data, bytes);
  return bytes;
}

size_t HttpsTransfer::onHeader(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<HttpsTransfer*>(self);
  const size_t bytes = size * count;
  const std::string_view line(data, bytes);
  constexpr std::string_view kLength = "content-length:";
  if (startsWithIgnoringCase(line, kLength)) {
    const std::string value(line.substr(kLength.size()));
    char* end = nullptr;
    const unsigned long long announced = std::strtoull(value.c_str(), &end, 10);
    if (end != value.c_str() && announced > transfer->maxResponseBytes_) {
      transfer->tooLarge_ = true;
      return 0;
    }
  }
  return bytes;
}

HttpsResponse HttpsTransfer::finish(CURLcode result) {
  HttpsResponse response;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &response.status);
  if (result == CURLE_OK && !tooLarge_) {
    response.ok = true;
    response.body = std::move(body_);
    return response;
  }
  response.error = failureText(result);
  return response;
}

HttpsResponse HttpsTransfer::finishTimedOut() {
  HttpsResponse response;
  response.error = timeoutText();
  return response;
}

}  // namespace nefia::updater
