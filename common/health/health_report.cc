// Reading and writing agent-health.json on disk, and where it lives (next to the config file).
// Writes are atomic so a reader never sees a torn report.
#include "common/health/health_report.h"

#include "common/atomic_file.h"

namespace nefia {

namespace {
constexpr mode_t kHealthReportMode = 0640;
}  // namespace

std::string healthReportPath(const std::string& configPath) {
  const auto slash = configPath.rfind('/');
  if (slash == std::string::npos) return kHealthReportFileName;
  return configPath.substr(0, slash + 1) + kHealthReportFileName;
}

Status writeHealthReport(const std::string& path, const HealthReport& report) {
  return writeFileAtomically(path, healthReportJsonText(report), kHealthReportMode);
}

Result<HealthReport> readHealthReport(const std::string& path) {
  Result<std::string> text = readWholeFile(path, kMaxHealthReportBytes);
  if (!text.ok()) return Error{text.error()};
  Result<HealthReport> report = healthReportFromJson(text.value());
  if (!report.ok()) return makeError(path + ": " + report.error());
  return report;
}

}  // namespace nefia
