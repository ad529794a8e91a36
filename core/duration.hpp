#pragma once
// Durations on the command line: "250ms", "90s", "5m", "2h", "1h30m"; a bare number is
// seconds ("1.5" = 1.5 s).
#include <chrono>
#include <string>
#include <string_view>

namespace shop {

// Throws UsageError naming `flag` for an empty text, unknown unit or negative value.
[[nodiscard]] std::chrono::nanoseconds parse_duration(std::string_view text, std::string_view flag);
// A duration as fractional milliseconds or seconds, for figures in summaries.
[[nodiscard]] inline double to_ms(std::chrono::nanoseconds value) noexcept {
  return static_cast<double>(value.count()) / 1e6;
}
[[nodiscard]] inline double to_seconds(std::chrono::nanoseconds value) noexcept {
  return static_cast<double>(value.count()) / 1e9;
}

// "1.50 s", "250 ms", "3 min 20 s": for messages.
[[nodiscard]] std::string format_duration(std::chrono::nanoseconds duration);

}  // namespace shop
