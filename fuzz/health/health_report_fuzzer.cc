// Fuzzes healthReportFromJson: any bytes in, a report or an error out; accepted reports must round-trip.
// Never writes files: agent-health.json parsing is the only thing exercised.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/health/health_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nefia::Result<nefia::HealthReport> report = nefia::healthReportFromJson(text);
  if (!report.ok()) return 0;
  // Whatever we accept, we must write back and read back unchanged (the supervisor and status rely on it).
  nefia::Result<nefia::HealthReport> again = nefia::healthReportFromJson(nefia::healthReportJsonText(report.value()));
  if (!again.ok() || !(again.value() == report.value())) std::abort();
  return 0;
}
