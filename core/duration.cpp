#include "core/duration.hpp"

#include <fmt/core.h>

#include <cctype>
#include <charconv>
#include <cmath>

#include "core/error.hpp"

namespace shop {

std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view flag) {
  const auto fail = [&](std::string_view why) {
    return UsageError(fmt::format("{}: {} in '{}' (expected e.g. 500ms, 90s, 5m, 1h30m)", flag, why, text));
  };
  if (text.empty()) throw fail("empty duration");
  double total_ns = 0;
  std::string_view rest = text;
  bool first_component = true;
  while (!rest.empty()) {
    double amount = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), amount);
    if (error != std::errc{} || end == rest.data()) throw fail("expected a number");
    if (amount < 0 || !std::isfinite(amount)) throw fail("negative or invalid number");
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    size_t unit_length = 0;
    while (unit_length < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_length]))) ++unit_length;
    const auto unit = rest.substr(0, unit_length);
    rest.remove_prefix(unit_length);
    double scale = 0;
    if (unit.empty()) {
      if (!rest.empty() || !first_component) throw fail("missing unit");
      scale = 1e9;  // bare number: seconds
    } else if (unit == "ns") {
      scale = 1;
    } else if (unit == "us") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m" || unit == "min") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else if (unit == "d") {
      scale = 86400e9;
    } else {
      throw fail(fmt::format("unknown unit '{}'", unit));
    }
    total_ns += amount * scale;
    first_component = false;
  }
  if (total_ns > 9.2e18) throw fail("too long");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total_ns)));
}

std::string format_duration(std::chrono::nanoseconds duration) {
  const double seconds = static_cast<double>(duration.count()) / 1e9;
  if (seconds < 1) return fmt::format("{:.0f} ms", seconds * 1e3);
  if (seconds < 60) return fmt::format("{:.2f} s", seconds);
  const auto whole = static_cast<long long>(seconds);
  if (whole < 3600) return fmt::format("{} min {} s", whole / 60, whole % 60);
  return fmt::format("{} h {} min", whole / 3600, (whole % 3600) / 60);
}

}  // namespace shop
