#pragma once
// Numbers for people, as people write them: 1,638,400/s, not 1.6384e+06/s.
#include <concepts>
#include <cstdint>
#include <string>
#include <type_traits>

namespace shop {

// `value` with `decimals` digits after the point and a comma between each group of three
// digits before it: format_grouped(56000, 0) == "56,000", format_grouped(1234.56, 1) ==
// "1,234.6", format_grouped(-0.04, 1) == "0.0" (no "-0.0"). Infinite and NaN values are
// written as fmt writes them ("inf", "nan").
[[nodiscard]] std::string format_grouped(double value, int decimals = 0);
[[nodiscard]] std::string format_grouped_integer(uint64_t magnitude, bool negative);
template <std::integral Integer>
[[nodiscard]] std::string format_grouped(Integer value) {
  if constexpr (std::is_signed_v<Integer>) {
    if (value < 0) return format_grouped_integer(static_cast<uint64_t>(-(value + 1)) + 1, true);
  }
  return format_grouped_integer(static_cast<uint64_t>(value), false);
}

// A rate as people write it, without a trailing ".0": whole numbers with no decimals
// (1,000), others with as few as show it to three significant digits, at most two
// (0.78, 12.5, 1,562.5 -> "1,562.5"). For rates that are set (--rate, find-max steps);
// measured rates use format_grouped with fixed decimals so that columns line up.
[[nodiscard]] std::string format_rate(double value);

}  // namespace shop
