// RFC 3339 timestamps as the health report carries them ("2026-02-28T08:12:00Z").
// Parsing never throws and rejects anything that is not a complete, valid timestamp.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nefia {

// UTC with whole seconds and a "Z" suffix, as Go's time.RFC3339 prints UTC times.
std::string formatRfc3339(std::chrono::system_clock::time_point time);

// Accepts "Z" or "+hh:mm"/"-hh:mm" offsets, upper- or lower-case T/Z, and optional fractional seconds.
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

}  // namespace nefia
