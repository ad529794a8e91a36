// Fuzzes core/duration.cpp: parse_duration() and format_duration().
//
// Two checks per input:
//   - the input as a flag's value: a duration >= 0, or a UsageError naming the flag,
//     nothing else; format_duration() of what parsed does not crash;
//   - a duration written from the input's bytes as components "<integer><unit>..." (or a
//     bare number of seconds): it parses to exactly the sum of its parts when that is
//     below 2^53 ns (every part exact in a double), within 1e-12 relative below 9.2e18
//     ns, and is refused as too long above 9.3e18 ns. Leading zeros, "min" for "m", and
//     a decimal point (".5s", "1.25ms" with its exact value) are tried as well.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/duration.hpp"
#include "core/error.hpp"

namespace {

[[noreturn]] void violated(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz_duration: invariant violated: %s\ntext: '%.*s'\n", what, static_cast<int>(text.size()),
               text.data());
  std::abort();
}

void check_text(std::string_view text) {
  try {
    const auto duration = shop::parse_duration(text, "--duration");
    if (duration.count() < 0) violated("a duration is never negative", text);
    (void)shop::format_duration(duration);
  } catch (const shop::UsageError& error) {
    if (std::string_view(error.what()).rfind("--duration: ", 0) != 0) violated("an error names the flag", text);
  }
}

struct Unit {
  const char* name;
  long double ns;
};
constexpr Unit k_units[] = {{"ns", 1},    {"us", 1e3},  {"ms", 1e6},    {"s", 1e9},
                            {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}, {"d", 86400e9}};

void check_components(FuzzedDataProvider& data) {
  std::string text;
  long double exact_ns = 0;  // the sum as a person reads it
  bool all_exact = true;     // every part, and every partial sum, exact in a double
  if (data.ConsumeBool()) {  // a bare number: seconds
    const auto seconds = data.ConsumeIntegralInRange<uint64_t>(0, uint64_t{1} << 40);
    text = std::to_string(seconds);
    exact_ns = static_cast<long double>(seconds) * 1e9L;
    all_exact = exact_ns < 9007199254740992.0L;
  } else {
    const size_t count = data.ConsumeIntegralInRange<size_t>(1, 4);
    for (size_t i = 0; i < count; ++i) {
      const auto amount = data.ConsumeIntegralInRange<uint64_t>(0, data.ConsumeBool() ? 1000 : uint64_t{1} << 53);
      const Unit& unit = k_units[data.ConsumeIntegralInRange<size_t>(0, std::size(k_units) - 1)];
      const int zeros = data.ConsumeIntegralInRange(0, 2);
      std::string number = std::string(static_cast<size_t>(zeros), '0') + std::to_string(amount);
      long double part = static_cast<long double>(amount) * unit.ns;
      if (data.ConsumeBool()) {  // a quarter, half or three quarters more: exact in binary
        const int quarters = data.ConsumeIntegralInRange(1, 3);
        number += quarters == 2 ? ".5" : quarters == 1 ? ".25" : ".75";
        part += unit.ns * quarters / 4;
        // amount + q/4 must itself be exact in a double for the product to be
        all_exact = all_exact && amount < (uint64_t{1} << 50);
      }
      text += number + unit.name;
      all_exact = all_exact && part < 9007199254740992.0L && std::floor(part) == part;
      exact_ns += part;
    }
    all_exact = all_exact && exact_ns < 9007199254740992.0L;
  }

  std::chrono::nanoseconds parsed{};
  try {
    parsed = shop::parse_duration(text, "--duration");
  } catch (const shop::UsageError&) {
    if (exact_ns < 9.1e18L) violated("a well-formed duration below 9.1e18 ns parses", text);
    return;
  }
  if (exact_ns > 9.3e18L) violated("a duration above 9.3e18 ns is refused as too long", text);
  const auto got = static_cast<long double>(parsed.count());
  if (all_exact && got != exact_ns) violated("exactly the sum of its parts", text);
  if (std::fabs(got - exact_ns) > 1e-12L * exact_ns + 1) violated("the sum of its parts", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_text(std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider provider(data, size);
  check_components(provider);
  return 0;
}
