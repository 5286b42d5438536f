// Go time.ParseDuration / Duration.String compatible durations ("30s", "1h30m", "1.5h", "300ms", "0").
// Parsing never throws; it rejects everything Go rejects, including overflow past ~292 years.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nefia {

using Duration = std::chrono::nanoseconds;

// Units: ns, us, µs (U+00B5), μs (U+03BC), ms, s, m, h. A leading sign is accepted as in Go;
// callers that need a positive value check it. The error text explains the expected syntax.
Result<Duration> parseGoDuration(std::string_view text);

// Go's canonical form: "1h30m0s", "300ms", "1.5µs", "0s".
std::string formatGoDuration(Duration duration);

// The same without zero trailing units, as people write it in agent.yaml: "1h30m", "5m", "1h", "0s".
std::string formatShortGoDuration(Duration duration);

}  // namespace nefia
