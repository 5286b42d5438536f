// Go duration syntax, ported from Go's time/format.go so that configs written for the Go agent
// parse identically. Must never accept what Go rejects (a bare number other than "0", a missing unit).
#include "common/config/go_duration.h"

#include <array>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

#include "common/secret_text.h"

namespace nefia {
namespace {

constexpr uint64_t kMaxMagnitude = uint64_t{1} << 63;

struct Unit {
  std::string_view name;
  uint64_t nanoseconds;
};

// "µs" appears twice because Go accepts both the micro sign (U+00B5) and the Greek mu (U+03BC).
constexpr std::array<Unit, 8> kUnits{{
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},
    {"\xCE\xBCs", 1'000},
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

Error invalid(std::string_view text, std::string_view why) {
  // A hidden value hides its parts too (the unit name is a piece of the text).
  if (mayHoldSecret(text)) why = "it looks like a key, not a duration";
  return makeError(quoteUnlessSecret(text) + " is not a duration: " + std::string(why) +
                   "; use Go syntax such as 30s, 5m, 1h30m or 300ms");
}

// Consumes leading digits; nullopt on overflow (Go: "bad [0-9]*").
std::optional<uint64_t> leadingInt(std::string_view& rest) {
  uint64_t value = 0;
  std::size_t i = 0;
  for (; i < rest.size() && isDigit(rest[i]); ++i) {
    if (value > (kMaxMagnitude - 1) / 10) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(rest[i] - '0');
    if (value > kMaxMagnitude) return std::nullopt;
  }
  rest.remove_prefix(i);
  return value;
}

// Consumes fraction digits; digits past the representable precision are dropped, as Go does.
std::pair<uint64_t, double> leadingFraction(std::string_view& rest) {
  uint64_t value = 0;
  double scale = 1;
  bool overflow = false;
  std::size_t i = 0;
  for (; i < rest.size() && isDigit(rest[i]); ++i) {
    if (overflow) continue;
    if (value > (kMaxMagnitude - 1) / 10) {
      overflow = true;
      continue;
    }
    const uint64_t next = value * 10 + static_cast<uint64_t>(rest[i] - '0');
    if (next > kMaxMagnitude) {
      overflow = true;
      continue;
    }
    value = next;
    scale *= 10;
  }
  rest.remove_prefix(i);
  return {value, scale};
}

}  // namespace

Result<Duration> parseGoDuration(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return Duration::zero();
  if (rest.empty()) return invalid(text, "it is empty");
  uint64_t total = 0;
  while (!rest.empty()) {
    if (rest[0] != '.' && !isDigit(rest[0])) return invalid(text, "expected a number");
    std::size_t before = rest.size();
    const auto whole = leadingInt(rest);
    if (!whole) return invalid(text, "the number is too large");
    const bool hasWhole = before != rest.size();
    uint64_t fraction = 0;
    double scale = 1;
    bool hasFraction = false;
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      before = rest.size();
      std::tie(fraction, scale) = leadingFraction(rest);
      hasFraction = before != rest.size();
    }
    if (!hasWhole && !hasFraction) return invalid(text, "expected a number");
    std::size_t unitLength = 0;
    while (unitLength < rest.size() && rest[unitLength] != '.' && !isDigit(rest[unitLength])) ++unitLength;
    if (unitLength == 0) return invalid(text, "missing unit");
    const std::string_view unitName = rest.substr(0, unitLength);
    rest.remove_prefix(unitLength);
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (candidate.name == unitName) unit = &candidate;
    }
    if (unit == nullptr) {
      return invalid(text, "unknown unit \"" + std::string(unitName) + "\"");
    }
    if (*whole > kMaxMagnitude / unit->nanoseconds) return invalid(text, "it is too long");
    uint64_t component = *whole * unit->nanoseconds;
    if (fraction > 0) {
      component += static_cast<uint64_t>(static_cast<double>(fraction) *
                                         (static_cast<double>(unit->nanoseconds) / scale));
      if (component > kMaxMagnitude) return invalid(text, "it is too long");
    }
    total += component;
    if (total > kMaxMagnitude) return invalid(text, "it is too long");
  }
  if (negative) return Duration(static_cast<int64_t>(-total));
  if (total > kMaxMagnitude - 1) return invalid(text, "it is too long");
  return Duration(static_cast<int64_t>(total));
}

std::string formatGoDuration(Duration duration) {
  // Built right to left, exactly like Go's Duration.format.
  std::string reversed;
  const bool negative = duration.count() < 0;
  uint64_t value = static_cast<uint64_t>(duration.count());
  if (negative) value = 0 - value;

  auto appendFraction = [&](int precision) {
    bool print = false;
    for (int i = 0; i < precision; ++i) {
      const auto digit = static_cast<char>(value % 10);
      print = print || digit != 0;
      if (print) reversed.push_back(static_cast<char>('0' + digit));
      value /= 10;
    }
    if (print) reversed.push_back('.');
  };
  auto appendInteger = [&](uint64_t number) {
    if (number == 0) reversed.push_back('0');
    for (; number > 0; number /= 10) reversed.push_back(static_cast<char>('0' + number % 10));
  };

  if (value < 1'000'000'000) {
    if (value == 0) return "0s";
    int precision = 0;
    if (value < 1'000) {
      reversed = "sn";
    } else if (value < 1'000'000) {
      precision = 3;
      reversed = "s\xB5\xC2";  // "µs" reversed byte by byte
    } else {
      precision = 6;
      reversed = "sm";
    }
    appendFraction(precision);
    appendInteger(value);
  } else {
    reversed = "s";
    appendFraction(9);
    appendInteger(value % 60);
    value /= 60;
    if (value > 0) {
      reversed.push_back('m');
      appendInteger(value % 60);
      value /= 60;
      if (value > 0) {
        reversed.push_back('h');
        appendInteger(value);
      }
    }
  }
  if (negative) reversed.push_back('-');
  return std::string(reversed.rbegin(), reversed.rend());
}

std::string formatShortGoDuration(Duration duration) {
  std::string text = formatGoDuration(duration);
  auto dropSuffix = [&text](std::string_view whole, std::size_t keep) {
    if (text.size() > whole.size() && text.compare(text.size() - whole.size(), whole.size(), whole) == 0) {
      text.resize(text.size() - whole.size() + keep);
    }
  };
  dropSuffix("m0s", 1);
  dropSuffix("h0m", 1);
  return text;
}

}  // namespace nefia
