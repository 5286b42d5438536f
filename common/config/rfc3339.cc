// RFC 3339 parsing and formatting with std::chrono's calendar (no locale, no TZ database, no throw).
// Must reject impossible dates (2026-02-30) instead of normalising them as mktime would.
#include "common/config/rfc3339.h"

#include <cstdio>
#include <optional>

#include "common/secret_text.h"

namespace nefia {
namespace {

std::optional<int> digits(std::string_view text, std::size_t offset, std::size_t count) {
  if (offset + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = offset; i < offset + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool expect(std::string_view text, std::size_t offset, char c) { return offset < text.size() && text[offset] == c; }

Error invalid(std::string_view text) {
  return makeError(quoteUnlessSecret(text) +
                   " is not an RFC 3339 time; use the form 2026-06-01T00:00:00Z or 2026-06-01T09:00:00+09:00");
}

}  // namespace

Result<WallTime> parseRfc3339(std::string_view text) {
  using namespace std::chrono;
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !expect(text, 4, '-') || !expect(text, 7, '-') ||
      !expect(text, 10, 'T') || !expect(text, 13, ':') || !expect(text, 16, ':')) {
    return invalid(text);
  }
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                            std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return invalid(text);

  std::size_t position = 19;
  nanoseconds fraction{0};
  if (expect(text, position, '.')) {
    ++position;
    const std::size_t start = position;
    int64_t value = 0;
    int64_t scale = 1'000'000'000;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
      if (scale > 1) {
        scale /= 10;
        value += (text[position] - '0') * scale;
      }
      ++position;
    }
    if (position == start) return invalid(text);
    fraction = nanoseconds{value};
  }

  minutes offset{0};
  if (expect(text, position, 'Z')) {
    ++position;
  } else if (expect(text, position, '+') || expect(text, position, '-')) {
    const bool negative = text[position] == '-';
    const auto offsetHours = digits(text, position + 1, 2);
    const auto offsetMinutes = digits(text, position + 4, 2);
    if (!offsetHours || !offsetMinutes || !expect(text, position + 3, ':') || *offsetHours > 23 ||
        *offsetMinutes > 59) {
      return invalid(text);
    }
    offset = hours{*offsetHours} + minutes{*offsetMinutes};
    if (negative) offset = -offset;
    position += 6;
  } else {
    return invalid(text);
  }
  if (position != text.size()) return invalid(text);

  // WallTime counts nanoseconds in 64 bits (years 1677-2262): check in seconds first, never overflow.
  const sys_seconds whole = sys_days{date} + hours{*hour} + minutes{*minute} + seconds{*second} - offset;
  constexpr auto kEarliest = floor<seconds>(WallTime::min()) + seconds{1};
  constexpr auto kLatest = floor<seconds>(WallTime::max()) - seconds{1};
  if (whole.time_since_epoch() < kEarliest.time_since_epoch() || whole.time_since_epoch() > kLatest.time_since_epoch()) {
    return makeError(quoteUnlessSecret(text) + " is out of range: times from 1678 to 2261 only");
  }
  return WallTime{whole} + fraction;
}

std::string formatRfc3339(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto whole = floor<seconds>(time);
  const auto dayPoint = floor<days>(whole);
  const year_month_day date{dayPoint};
  const hh_mm_ss<seconds> clock{whole - dayPoint};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<long>(clock.hours().count()), static_cast<long>(clock.minutes().count()),
                static_cast<long>(clock.seconds().count()));
  return buffer;
}

}  // namespace nefia
