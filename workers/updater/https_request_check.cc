// Checks an HttpsRequest and its trust before any connection (see https_request_check.h).
// The URL is parsed by libcurl's own URL parser, so what we check is what libcurl will connect to.
#include "workers/updater/https_request_check.h"

#include <curl/curl.h>

#include <array>
#include <memory>
#include <string_view>

#include "common/secret_text.h"

namespace nefia::updater {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlTextDeleter {
  void operator()(char* text) const { curl_free(text); }
};

Status checkUrl(const std::string& url) {
  const std::string quoted = quoteUnlessSecret(url);
  std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return makeError("refused URL " + quoted + ": not a valid absolute URL");
  }
  char* rawScheme = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_SCHEME, &rawScheme, 0) != CURLUE_OK) {
    return makeError("refused URL " + quoted + ": it has no scheme; only https:// URLs are allowed");
  }
  std::unique_ptr<char, CurlTextDeleter> scheme(rawScheme);
  if (std::string_view(scheme.get()) != "https") {
    return makeError("refused URL " + quoted + ": only https:// URLs are allowed");
  }
  char* rawUser = nullptr;
  if (curl_url_get(parsed.get(), CURLUPART_USER, &rawUser, 0) == CURLUE_OK) {
    curl_free(rawUser);
    return makeError("refused URL (not shown): it carries credentials; pass a secret as bearerSecret instead");
  }
  return Status::success();
}

bool isKnownMethod(std::string_view method) {
  constexpr std::array<std::string_view, 5> kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  for (std::string_view known : kMethods) {
    if (method == known) return true;
  }
  return false;
}

bool isHeaderNameCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

Status checkHeaders(const HttpsRequest& request) {
  for (const auto& [name, value] : request.headers) {
    if (name.empty()) return makeError("refused header: its name is empty");
    for (char c : name) {
      if (!isHeaderNameCharacter(c)) return makeError("refused header \"" + name + "\": invalid character in its name");
    }
    if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
      return makeError("refused header \"" + name + "\": its value holds a line break or NUL");
    }
  }
  if (request.bearerSecret.find_first_of("\r\n\0 ", 0, 4) != std::string::npos) {
    return makeError("refused bearer secret (not shown): it holds a space, line break or NUL");
  }
  return Status::success();
}

}  // namespace

Status checkHttpsRequest(const HttpsRequest& request) {
  if (Status url = checkUrl(request.url); !url) return url;
  if (!isKnownMethod(request.method)) {
    return makeError("refused method \"" + request.method + "\": use GET, POST, PUT, PATCH or DELETE");
  }
  if (request.method == "GET" && !request.body.empty()) return makeError("refused request: a GET carries no body");
  if (Status headers = checkHeaders(request); !headers) return headers;
  if (request.deadline.count() <= 0) return makeError("refused request: its deadline must be positive");
  if (request.maxResponseBytes == 0) return makeError("refused request: its response cap must be positive");
  return Status::success();
}

Status checkHttpsTrust(const HttpsTrust& trust) {
  const bool hasCa = !trust.caFile.empty();
  const bool hasPin = !trust.publicKeyPin.empty();
  if (hasCa == hasPin) return makeError("HTTPS trust needs exactly one of a CA file or a public-key pin");
  if (hasPin) {
    constexpr std::string_view kPrefix = "sha256//";
    const std::string_view pin = trust.publicKeyPin;
    // 32 bytes in padded base64 are 44 characters.
    if (pin.substr(0, kPrefix.size()) != kPrefix || pin.size() != kPrefix.size() + 44) {
      return makeError("public-key pin must be \"sha256//\" followed by 44 base64 characters");
    }
  }
  return Status::success();
}

}  // namespace nefia::updater
