#include "core/number_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace shop {

namespace {

// Inserts a comma every three digits of the integer part of fmt's fixed-point text.
std::string group_digits(std::string text) {
  const size_t start = (!text.empty() && text[0] == '-') ? 1 : 0;
  size_t end = text.find('.');
  if (end == std::string::npos) end = text.size();
  for (size_t digits = end - start; digits > 3; digits -= 3) text.insert(start + digits - 3, 1, ',');
  return text;
}

}  // namespace

std::string format_grouped(double value, int decimals) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (text[0] == '-' && text.find_first_not_of("-0.") == std::string::npos) text.erase(0, 1);  // -0.0
  return group_digits(std::move(text));
}

std::string format_grouped_integer(uint64_t magnitude, bool negative) {
  return group_digits(fmt::format("{}{}", negative ? "-" : "", magnitude));
}

std::string format_rate(double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  if (value == std::floor(value)) return format_grouped(value, 0);
  const double magnitude = std::fabs(value);
  const int decimals = magnitude >= 100 ? 1 : 2;
  std::string text = format_grouped(value, decimals);
  while (text.back() == '0') text.pop_back();  // 12.50 -> 12.5
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace shop
