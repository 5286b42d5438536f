// Tests for common/log: level filtering, line format and secret redaction.
#include "common/log.h"

#include <vector>

#include <gtest/gtest.h>

namespace nefia {
namespace {

class CapturingSink : public LogSink {
 public:
  void write(const LogRecord&, std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CapturingSink>();
    Logger::instance().clearSinks();
    Logger::instance().addSink(sink_);
    Logger::instance().setLevel(LogLevel::kInfo);
  }
  void TearDown() override {
    Logger::instance().clearSinks();
    Logger::instance().clearSecrets();
  }
  std::shared_ptr<CapturingSink> sink_;
};

TEST_F(LogTest, FiltersBelowLevelAndFormatsComponent) {
  logDebug("tunnel", "hidden");
  logWarn("tunnel", "peer ", 3, " stale");
  ASSERT_EQ(sink_->lines.size(), 1u);
  EXPECT_NE(sink_->lines[0].find(" WARN tunnel: peer 3 stale"), std::string::npos) << sink_->lines[0];
  EXPECT_EQ(sink_->lines[0][4], '-');
  EXPECT_EQ(sink_->lines[0].substr(23, 1), "Z");
}

TEST_F(LogTest, RegisteredSecretsNeverReachASink) {
  const std::string key = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
  Logger::instance().registerSecret(key);
  logError("config", "bad key ", key, " twice ", key);
  ASSERT_EQ(sink_->lines.size(), 1u);
  EXPECT_EQ(sink_->lines[0].find(key), std::string::npos);
  EXPECT_NE(sink_->lines[0].find("bad key [redacted] twice [redacted]"), std::string::npos);
}

TEST(LogLevelTest, ParsesTheFourLevels) {
  EXPECT_EQ(parseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(parseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(parseLogLevel("verbose"));
}

}  // namespace
}  // namespace nefia
