// The service's own copy of the agent binary: <state>/<version>/nefia-agent behind the stable link
// <state>/current, both replaced atomically (temp + rename). The updater replaces the same slot later.
#pragma once

#include <string>

#include "common/result.h"

namespace nefia::service {

struct BinarySlotOutcome {
  std::string versionedPath;  // <state>/<version>/nefia-agent
  bool changed = false;       // false: the same bytes were already there and `current` pointed at them
};

// Copies sourceBinary into the slot (mode 0755) unless identical bytes are there, then points `current` at
// the version directory with a relative link (symlink to a temp name, rename over `current`).
Result<BinarySlotOutcome> installBinarySlot(const std::string& sourceBinary, const std::string& stateDirectory,
                                            const std::string& version);

}  // namespace nefia::service
