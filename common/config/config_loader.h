// Loads agent.yaml into an AgentConfig: YAML syntax, field types, then validateAgentConfig(), reporting
// every problem at once with field path and line. No yaml-cpp exception ever leaves this module.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/agent_config.h"
#include "common/config/config_problems.h"
#include "common/result.h"

namespace nefia {

constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;

// True in builds compiled with NEFIA_TEST_HOOKS (the `testing:` section is accepted by default).
bool testHooksBuilt();

struct ConfigParseOptions {
  // Release builds refuse a `testing:` section; tests may turn it off to check that refusal.
  bool acceptTestingSection = testHooksBuilt();
};

struct ParsedConfig {
  AgentConfig config;
  // Keys this version does not know, as field paths ("telemetry", "peers[0].allowed_ips"). Not errors:
  // the supervisor warns about them and the writer keeps them.
  std::vector<std::string> unknownFields;
  // Syntax, type and validation problems, ordered by line; empty when the config is usable.
  std::vector<std::string> errors;
  ConfigSourceMap sources;

  bool ok() const { return errors.empty(); }
};

// fileName is the base name used in messages ("agent.yaml").
ParsedConfig parseAgentConfig(std::string_view yamlText, const std::string& fileName,
                              const ConfigParseOptions& options = {});

struct LoadedConfig {
  AgentConfig config;
  std::vector<std::string> unknownFields;
};

// Reads and parses path. The error lists every problem, one per line, after a first line naming the
// file, so it fits the health report's last_config_error as is.
Result<LoadedConfig> loadAgentConfig(const std::string& path, const ConfigParseOptions& options = {});

}  // namespace nefia
