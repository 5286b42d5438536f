// The loop fixture of the HTTPS client's tests: certificates made once per suite, a libuv loop per test that
// must close cleanly, and run() that waits for one request's completion within a bound.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <uv.h>

#include <chrono>
#include <memory>
#include <optional>

#include "tests/workers/updater/hostile_tls_server.h"
#include "tests/workers/updater/test_certificates.h"
#include "workers/updater/https_client.h"

namespace nefia::updater::testing {

class HttpsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signal(SIGPIPE, SIG_IGN);  // the test server writes to clients that gave up
    certificates_ = new TestCertificates(makeTestCertificates());
  }
  static void TearDownTestSuite() {
    removeTestCertificates(*certificates_);
    delete certificates_;
  }
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    client_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  const TestCertificates& certs() const { return *certificates_; }
  HttpsClient& client(HttpsTrust trust) {
    client_ = std::make_unique<HttpsClient>(&loop_, std::move(trust));
    return *client_;
  }
  HttpsClient& caClient() { return client(HttpsTrust{certs().caFile, ""}); }

  // Starts request on the current client and runs the loop until it completed (or `limit` passed).
  HttpsResponse run(HttpsRequest request, std::chrono::milliseconds limit = std::chrono::milliseconds(10'000)) {
    std::optional<HttpsResponse> result;
    Status started = client_->start(std::move(request), [&result](HttpsResponse response) { result = response; });
    EXPECT_TRUE(started.ok()) << started.error();
    const auto stopAt = std::chrono::steady_clock::now() + limit;
    while (!result && started.ok() && std::chrono::steady_clock::now() < stopAt) uv_run(&loop_, UV_RUN_ONCE);
    return result.value_or(HttpsResponse{false, 0, "", "test: no completion"});
  }

  static std::string urlOf(const HostileTlsServer& server, const std::string& path = "/api/test") {
    return "https://127.0.0.1:" + std::to_string(server.port()) + path;
  }

  uv_loop_t loop_{};
  std::unique_ptr<HttpsClient> client_;
  static inline TestCertificates* certificates_ = nullptr;
};

}  // namespace nefia::updater::testing
