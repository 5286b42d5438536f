// The redaction rule as a fuzz property (issue 12 item 5): a 32-byte key from the input, written in base64 into
// a field chosen by the input among other input text, never survives into an error, an unknown-field name,
// the health report's last_config_error (as read back) or the `status` text.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/base64.h"
#include "common/config/config_loader.h"
#include "common/health/health_report.h"
#include "common/health/status_text.h"
#include "tests/common/key_probe.h"

namespace {

using nefia::testing_support::holdsKey;

const char* const kTemplates[] = {
    "address: \"%K%\"\n",           "address: \"%K%/24\"\n",     "listen_port: \"%K%\"\n",
    "ssh_addr: \"%K%:22\"\n",       "dns: [\"%K%\"]\n",          "endpoint_refresh: \"%K%\"\n",
    "agent_token_expires_at: \"%K%\"\n", "derp_auto_select: \"%K%\"\n", "\"%K%\": 1\n",
    "stun_servers: [\"%K%\"]\n",    "beacons: {scripts: [{name: a, command: b, interval: \"%K%\"}]}\n",
    "derp_servers: [{name: \"%K%\", url: \"%K%\"}]\n",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 34 || size > 4096) return 0;
  const std::string key = data[33] & 1 ? nefia::base64Encode(data, 32) : nefia::base64UrlEncode(data, 32);
  const std::string around(reinterpret_cast<const char*>(data) + 34, size - 34);
  std::string line = kTemplates[data[32] % (sizeof kTemplates / sizeof kTemplates[0])];
  for (std::size_t at = line.find("%K%"); at != std::string::npos; at = line.find("%K%")) {
    // The key inside input text that contains no quote or newline, so the YAML stays one line.
    std::string value = around.substr(0, around.size() / 2) + key + around.substr(around.size() / 2);
    for (char& c : value) {
      if (c == '"' || c == '\\' || c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) c = '_';
    }
    line.replace(at, 3, value);
  }
  const std::string yaml = "private_key: keyring:wg\nlisten_port: 51820\npeers:\n"
                           "  - {public_key: \"AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\", vpn_addr: 10.99.0.1}\n" +
                           line;
  const nefia::ParsedConfig parsed = nefia::parseAgentConfig(yaml, "agent.yaml");
  std::string all;
  for (const std::string& error : parsed.errors) all += error + "\n";
  for (const std::string& field : parsed.unknownFields) all += field + "\n";
  if (holdsKey(all)) {
    std::fprintf(stderr, "KEY SURVIVED in:\n%s\nfrom yaml:\n%s\n", all.c_str(), yaml.c_str());
    std::abort();
  }
  nefia::HealthReport report;
  report.lastConfigError = all;
  report.updatedAt = "2026-11-26T12:00:00Z";
  // The field as a reader gets it back (JSON escapes such as \u0001 are not text of the report).
  auto written = nefia::healthReportFromJson(nefia::healthReportJsonText(report));
  if (!written.ok() || holdsKey(written->lastConfigError)) {
    std::fprintf(stderr, "KEY IN REPORT:\n%s\nfrom:\n%s\n", written.ok() ? written->lastConfigError.c_str() : "", all.c_str());
    std::abort();
  }
  if (holdsKey(nefia::formatStatusText(written.value(), std::chrono::system_clock::now()))) std::abort();
  return 0;
}
