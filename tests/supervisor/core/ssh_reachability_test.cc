// Unit tests for SshReachability: state follows the last broker outcome; only transitions are logged.
#include "supervisor/core/ssh_reachability.h"

#include <gtest/gtest.h>

#include "common/log.h"

namespace nefia::supervisor {
namespace {

class CountingSink : public LogSink {
 public:
  void write(const LogRecord& record, std::string_view) override { records.push_back(record); }
  std::vector<LogRecord> records;
};

TEST(SshReachabilityTest, LogsOnlyOnTransitions) {
  auto sink = std::make_shared<CountingSink>();
  Logger::instance().addSink(sink);
  SshReachability reachability;
  EXPECT_FALSE(reachability.reachable()) << "unknown before the first attempt";
  reachability.recordSuccess("127.0.0.1:22");
  EXPECT_TRUE(reachability.reachable());
  reachability.recordSuccess("127.0.0.1:22");
  EXPECT_TRUE(sink->records.empty()) << "a success while reachable is not news";

  for (int i = 0; i < 5; ++i) reachability.recordFailure("127.0.0.1:22", "connection refused");
  EXPECT_FALSE(reachability.reachable());
  ASSERT_EQ(sink->records.size(), 1u);
  EXPECT_EQ(sink->records[0].level, LogLevel::kWarn);
  EXPECT_NE(sink->records[0].message.find("SSH server at 127.0.0.1:22 unreachable: connection refused"),
            std::string::npos);
  EXPECT_NE(sink->records[0].message.find("ssh_addr"), std::string::npos) << "says what to check";

  for (int i = 0; i < 5; ++i) reachability.recordSuccess("127.0.0.1:22");
  EXPECT_TRUE(reachability.reachable());
  ASSERT_EQ(sink->records.size(), 2u);
  EXPECT_EQ(sink->records[1].level, LogLevel::kInfo);
  EXPECT_NE(sink->records[1].message.find("reachable again"), std::string::npos);
  Logger::instance().clearSinks();
}

TEST(SshReachabilityTest, AFirstFailureIsLoggedOnce) {
  auto sink = std::make_shared<CountingSink>();
  Logger::instance().addSink(sink);
  SshReachability reachability;
  reachability.recordFailure("127.0.0.1:22", "connection refused");
  reachability.recordFailure("127.0.0.1:22", "connection refused");
  EXPECT_FALSE(reachability.reachable());
  EXPECT_EQ(sink->records.size(), 1u);
  Logger::instance().clearSinks();
}

}  // namespace
}  // namespace nefia::supervisor
