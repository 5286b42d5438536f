// The agent's logger: levelled records (time, level, component, message) fanned out to sinks.
// Secrets registered with registerSecret() are replaced by "[redacted]" before any sink sees a line.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace nefia {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

const char* toString(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view text);  // "debug", "info", "warn", "error"

struct LogRecord {
  std::chrono::system_clock::time_point time;
  LogLevel level;
  std::string component;
  std::string message;
};

// One formatted line without newline: "2026-11-26T11:09:20.123Z INFO supervisor: message".
std::string formatLogLine(const LogRecord& record);

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(const LogRecord& record, std::string_view formattedLine) = 0;
};

// Process-wide logger. Not thread-safe by design: each process logs from its event-loop thread.
class Logger {
 public:
  static Logger& instance();

  void setLevel(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  bool enabled(LogLevel level) const { return level >= level_; }
  void addSink(std::shared_ptr<LogSink> sink);
  void clearSinks();
  void registerSecret(std::string secret);
  void clearSecrets();
  void log(LogLevel level, std::string_view component, std::string message);
  std::string redact(std::string text) const;

 private:
  LogLevel level_ = LogLevel::kInfo;
  struct State;
  std::shared_ptr<State> state_;
  Logger();
};

// Writes each line to stderr (journald and terminals see it).
std::shared_ptr<LogSink> makeStderrSink();

template <typename... Parts>
std::string concat(Parts&&... parts) {
  std::ostringstream stream;
  (stream << ... << std::forward<Parts>(parts));
  return stream.str();
}

template <typename... Parts>
void logAt(LogLevel level, std::string_view component, Parts&&... parts) {
  Logger& logger = Logger::instance();
  if (!logger.enabled(level)) return;
  logger.log(level, component, concat(std::forward<Parts>(parts)...));
}
template <typename... Parts>
void logDebug(std::string_view component, Parts&&... parts) { logAt(LogLevel::kDebug, component, std::forward<Parts>(parts)...); }
template <typename... Parts>
void logInfo(std::string_view component, Parts&&... parts) { logAt(LogLevel::kInfo, component, std::forward<Parts>(parts)...); }
template <typename... Parts>
void logWarn(std::string_view component, Parts&&... parts) { logAt(LogLevel::kWarn, component, std::forward<Parts>(parts)...); }
template <typename... Parts>
void logError(std::string_view component, Parts&&... parts) { logAt(LogLevel::kError, component, std::forward<Parts>(parts)...); }

}  // namespace nefia
