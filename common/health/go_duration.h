// Durations printed the way Go's time.Duration.String() prints them ("72h22m0s", "1m5s", "1.5s", "0s"),
// because `nefia-agent status` output must match the reference. Formatting only, no parsing.
#pragma once

#include <chrono>
#include <string>

namespace nefia {

std::string formatGoDuration(std::chrono::nanoseconds duration);

}  // namespace nefia
