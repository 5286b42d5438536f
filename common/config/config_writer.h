// Writes agent.yaml (enroll, token rotation): known fields are merged into the existing YAML tree so
// fields this version does not know survive; the file is replaced atomically with mode 0600.
// Must never write a config that would fail to load, and never leave a half-written file.
#pragma once

#include <string>
#include <string_view>

#include "common/config/agent_config.h"
#include "common/result.h"

namespace nefia {

enum class ConfigWriteMode {
  kMergeIntoExisting,  // keep unknown fields (and the testing: section) of the file at path
  kReplace,            // enroll --force: start from an empty document
};

// config as YAML, merged into originalYaml (may be empty). Fields left at their default are only
// written when the original had them; durations keep their original spelling when the value is the same.
// YAML comments of the original are not preserved (yaml-cpp does not keep them).
Result<std::string> renderAgentConfig(const AgentConfig& config, std::string_view originalYaml);

// Validates config, renders it (merging into the current file unless mode is kReplace) and replaces
// path atomically with mode 0600. A missing file is created.
Status writeAgentConfig(const std::string& path, const AgentConfig& config,
                        ConfigWriteMode mode = ConfigWriteMode::kMergeIntoExisting);

}  // namespace nefia
