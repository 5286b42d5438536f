// formatGoDuration: a port of Go's time.Duration.String() (largest unit hours, trailing zero fractions dropped).
// Must never overflow on the most negative duration, which Go also handles.
#include "common/health/go_duration.h"

#include <cstdint>

namespace nefia {
namespace {

// Appends `value / 10^precision` as digits with a fractional part whose trailing zeros are dropped.
std::string fractionText(std::uint64_t value, int precision) {
  std::string fraction;
  bool significant = false;
  for (int digit = 0; digit < precision; ++digit) {
    const char character = static_cast<char>('0' + value % 10);
    significant = significant || character != '0';
    if (significant) fraction.insert(fraction.begin(), character);
    value /= 10;
  }
  std::string text = std::to_string(value);
  if (!fraction.empty()) text += "." + fraction;
  return text;
}

}  // namespace

std::string formatGoDuration(std::chrono::nanoseconds duration) {
  const std::int64_t count = duration.count();
  if (count == 0) return "0s";
  const bool negative = count < 0;
  // Unsigned negation is well defined even for INT64_MIN.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
  std::string text;
  if (magnitude < 1000000000ULL) {
    if (magnitude < 1000ULL) {
      text = std::to_string(magnitude) + "ns";
    } else if (magnitude < 1000000ULL) {
      text = fractionText(magnitude, 3) + "\xc2\xb5s";  // Go prints U+00B5 MICRO SIGN
    } else {
      text = fractionText(magnitude, 6) + "ms";
    }
  } else {
    const std::uint64_t nanosPerSecond = 1000000000ULL;
    const std::uint64_t wholeSeconds = magnitude / nanosPerSecond;
    const std::uint64_t secondsPart = magnitude % (60 * nanosPerSecond);
    text = fractionText(secondsPart, 9) + "s";
    const std::uint64_t minutes = wholeSeconds / 60;
    if (minutes > 0) {
      text = std::to_string(minutes % 60) + "m" + text;
      const std::uint64_t hours = minutes / 60;
      if (hours > 0) text = std::to_string(hours) + "h" + text;
    }
  }
  return negative ? "-" + text : text;
}

}  // namespace nefia
