// RFC 3339 timestamps ("2026-06-01T00:00:00Z", "2026-06-01T09:00:00.5+09:00"), as Go's time.RFC3339.
// Wall-clock only: for report fields and token expiry, never for timers (those use the monotonic clock).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace nefia {

using WallTime = std::chrono::sys_time<std::chrono::nanoseconds>;

// Upper-case 'T' and 'Z' as Go requires; fractional seconds optional; offsets up to +-23:59.
Result<WallTime> parseRfc3339(std::string_view text);

// UTC with whole seconds: "2026-06-01T00:00:00Z".
std::string formatRfc3339(std::chrono::system_clock::time_point time);

}  // namespace nefia
