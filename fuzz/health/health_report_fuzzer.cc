// Fuzzes healthReportFromJson: any bytes in, a report or an error out; accepted reports must round-trip.
// Never writes files: agent-health.json parsing is the only thing exercised.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/health/health_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nefia::Result<nefia::HealthReport> report = nefia::healthReportFromJson(text);
  if (!report.ok()) return 0;
  // Whatever we accept, we must write back and read back unchanged (the supervisor and status rely on it),
  // except last_config_error, which the writer redacts on purpose (issue 12 item 5): it comes back redacted.
  nefia::HealthReport expected = report.value();
  expected.lastConfigError = nefia::redactedConfigError(expected.lastConfigError);
  const std::string written = nefia::healthReportJsonText(report.value());
  nefia::Result<nefia::HealthReport> again = nefia::healthReportFromJson(written);
  if (!again.ok() || !(again.value() == expected)) std::abort();
  // Redaction is idempotent: writing what was read back gives the same bytes (a stable health file).
  if (nefia::healthReportJsonText(again.value()) != written) std::abort();
  return 0;
}
