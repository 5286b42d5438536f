// Requests and trust refused before any connection: each refusal's text, and the bearer secret never in it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "workers/updater/https_request_check.h"

namespace nefia::updater {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

HttpsRequest requestFor(std::string url) {
  HttpsRequest request;
  request.url = std::move(url);
  return request;
}

TEST(HttpsRequestCheck, AcceptsAnHttpsGet) {
  EXPECT_TRUE(checkHttpsRequest(requestFor("https://127.0.0.1:8443/x")).ok());
}

TEST(HttpsRequestCheck, RefusesEveryOtherScheme) {
  for (const char* url : {"http://127.0.0.1/", "ftp://127.0.0.1/", "file:///etc/passwd", "HTTP://127.0.0.1/"}) {
    Status status = checkHttpsRequest(requestFor(url));
    ASSERT_FALSE(status.ok()) << url;
    EXPECT_THAT(status.error(), HasSubstr("only https:// URLs are allowed")) << url;
  }
}

TEST(HttpsRequestCheck, RefusesARelativeUrl) {
  EXPECT_THAT(checkHttpsRequest(requestFor("/api/x")).error(), HasSubstr("not a valid absolute URL"));
}

TEST(HttpsRequestCheck, RefusesCredentialsInTheUrlWithoutQuotingThem) {
  Status status = checkHttpsRequest(requestFor("https://user:hunter2@127.0.0.1/"));
  EXPECT_THAT(status.error(), HasSubstr("carries credentials"));
  EXPECT_THAT(status.error(), Not(HasSubstr("hunter2")));
}

TEST(HttpsRequestCheck, RefusesUnknownMethodsAndAGetBody) {
  HttpsRequest request = requestFor("https://127.0.0.1/");
  request.method = "CONNECT";
  EXPECT_EQ(checkHttpsRequest(request).error(), "refused method \"CONNECT\": use GET, POST, PUT, PATCH or DELETE");
  request.method = "GET";
  request.body = "{}";
  EXPECT_EQ(checkHttpsRequest(request).error(), "refused request: a GET carries no body");
}

TEST(HttpsRequestCheck, RefusesHeaderInjection) {
  HttpsRequest request = requestFor("https://127.0.0.1/");
  request.headers = {{"X-Test", "a\r\nHost: evil"}};
  EXPECT_EQ(checkHttpsRequest(request).error(), "refused header \"X-Test\": its value holds a line break or NUL");
  request.headers = {{"X Test", "a"}};
  EXPECT_EQ(checkHttpsRequest(request).error(), "refused header \"X Test\": invalid character in its name");
  request.headers = {};
  request.bearerSecret = "tok\r\nX-Evil: 1";
  Status status = checkHttpsRequest(request);
  EXPECT_EQ(status.error(), "refused bearer secret (not shown): it holds a space, line break or NUL");
}

TEST(HttpsRequestCheck, RefusesZeroDeadlineAndCap) {
  HttpsRequest request = requestFor("https://127.0.0.1/");
  request.deadline = std::chrono::milliseconds(0);
  EXPECT_EQ(checkHttpsRequest(request).error(), "refused request: its deadline must be positive");
  request.deadline = std::chrono::milliseconds(1);
  request.maxResponseBytes = 0;
  EXPECT_EQ(checkHttpsRequest(request).error(), "refused request: its response cap must be positive");
}

TEST(HttpsTrustCheck, NeedsExactlyOneAnchorAndAWellFormedPin) {
  EXPECT_EQ(checkHttpsTrust(HttpsTrust{}).error(), "HTTPS trust needs exactly one of a CA file or a public-key pin");
  EXPECT_FALSE(checkHttpsTrust(HttpsTrust{"ca.pem", "sha256//x"}).ok());
  EXPECT_EQ(checkHttpsTrust(HttpsTrust{"", "sha256//short"}).error(),
            "public-key pin must be \"sha256//\" followed by 44 base64 characters");
  EXPECT_TRUE(checkHttpsTrust(HttpsTrust{"", "sha256//" + std::string(43, 'A') + "="}).ok());
  EXPECT_TRUE(checkHttpsTrust(HttpsTrust{"ca.pem", ""}).ok());
}

}  // namespace
}  // namespace nefia::updater
