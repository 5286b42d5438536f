// judgeReadiness / waitForWorkersReady / lastLines: the install's success check. The report's updated_at has
// whole seconds, so notBefore is compared after truncating it to the second.
#include "service/health_wait.h"

#include <fstream>
#include <thread>

#include "common/terminal_text.h"

namespace nefia::service {

Readiness judgeReadiness(const Result<HealthReport>& report, WallTime notBefore) {
  if (!report.ok()) return {false, "no health report yet (" + report.error() + ")"};
  Result<WallTime> updated = parseRfc3339(report->updatedAt);
  if (!updated.ok() || updated.value() < std::chrono::floor<std::chrono::seconds>(notBefore)) {
    return {false, "the health report is from an earlier run (updated_at " + report->updatedAt + ")"};
  }
  if (report->workers.empty()) return {false, "the health report lists no workers yet"};
  std::string notReady;
  for (const auto& [name, worker] : report->workers) {
    if (worker.state == "ready") continue;
    notReady += (notReady.empty() ? "" : ", ") + name + " " + worker.state;
    if (!worker.lastExit.empty()) notReady += " (last exit: " + worker.lastExit + ")";
  }
  if (!notReady.empty()) return {false, "workers not ready: " + notReady};
  return {true, ""};
}

Readiness waitForWorkersReady(const std::string& healthPath, WallTime notBefore, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Readiness readiness = judgeReadiness(readHealthReport(healthPath), notBefore);
    if (readiness.ready || std::chrono::steady_clock::now() >= deadline) return readiness;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::vector<std::string> lastLines(const std::string& path, std::size_t count) {
  constexpr std::streamoff kTailBytes = 64 * 1024;
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return {};
  const std::streamoff size = file.tellg();
  file.seekg(size > kTailBytes ? size - kTailBytes : 0);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line)) lines.push_back(escapeControlCharacters(line));
  if (size > kTailBytes && !lines.empty()) lines.erase(lines.begin());  // the first one is cut
  if (lines.size() > count) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(count));
  return lines;
}

}  // namespace nefia::service
