// Fuzzes parseAgentConfig() (any bytes must give a config or located errors, never a crash or an
// escaped exception) and, for valid inputs, the writer: render merged into the input, reparse, same config.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/config/config_loader.h"
#include "common/config/config_writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > nefia::kMaxConfigFileBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nefia::ParsedConfig parsed = nefia::parseAgentConfig(text, "agent.yaml");
  for (const std::string& error : parsed.errors) {
    if (error.find("(agent.yaml") == std::string::npos) std::abort();  // every problem must say where
  }
  if (!parsed.ok()) return 0;
  const auto rendered = nefia::renderAgentConfig(parsed.config, text);
  if (!rendered.ok()) return 0;  // e.g. alias bombs under unknown keys: refused, not emitted
  const nefia::ParsedConfig reparsed = nefia::parseAgentConfig(rendered.value(), "agent.yaml");
  if (!reparsed.ok() || !(reparsed.config == parsed.config)) std::abort();
  return 0;
}
