// Logger core: level filter, secret redaction, sink fan-out, line format, the stderr sink.
// Sinks must never throw; a failing sink loses its own line, never the others'.
#include "common/log.h"

#include <cstdio>
#include <ctime>
#include <vector>

namespace nefia {

struct Logger::State {
  std::vector<std::shared_ptr<LogSink>> sinks;
  std::vector<std::string> secrets;
};

Logger::Logger() : state_(std::make_shared<State>()) {}

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

const char* toString(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kError: return "ERROR";
  }
  return "?";
}

std::optional<LogLevel> parseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string formatLogLine(const LogRecord& record) {
  using namespace std::chrono;
  const auto since_epoch = record.time.time_since_epoch();
  const std::time_t seconds = duration_cast<std::chrono::seconds>(since_epoch).count();
  const long millis = static_cast<long>(duration_cast<milliseconds>(since_epoch).count() % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  std::string line = stamp;
  line += ' ';
  line += toString(record.level);
  line += ' ';
  line += record.component;
  line += ": ";
  line += record.message;
  return line;
}

void Logger::addSink(std::shared_ptr<LogSink> sink) { state_->sinks.push_back(std::move(sink)); }
void Logger::clearSinks() { state_->sinks.clear(); }

void Logger::registerSecret(std::string secret) {
  if (secret.size() < 8) return;
  // Every SIGHUP registers the config's secrets again: keep each once, so redaction cost stays flat.
  for (const std::string& known : state_->secrets) {
    if (known == secret) return;
  }
  state_->secrets.push_back(std::move(secret));
}
void Logger::clearSecrets() { state_->secrets.clear(); }

std::string Logger::redact(std::string text) const {
  for (const std::string& secret : state_->secrets) {
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
      text.replace(at, secret.size(), "[redacted]");
    }
  }
  return text;
}

void Logger::log(LogLevel level, std::string_view component, std::string message) {
  if (!enabled(level)) return;
  LogRecord record{std::chrono::system_clock::now(), level, std::string(component), redact(std::move(message))};
  const std::string line = formatLogLine(record);
  for (const auto& sink : state_->sinks) sink->write(record, line);
}

namespace {
class StderrSink : public LogSink {
 public:
  void write(const LogRecord&, std::string_view line) override {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fputc('\n', stderr);
  }
};
}  // namespace

std::shared_ptr<LogSink> makeStderrSink() { return std::make_shared<StderrSink>(); }

}  // namespace nefia
