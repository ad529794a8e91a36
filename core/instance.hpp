#pragma once
// --instance K/N: several processes share one load. Instance K (1-based) of N gets its
// own random stream and 1/N of the rate.
#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

struct Instance {
  uint32_t index = 1;  // K, 1..count
  uint32_t count = 1;  // N

  [[nodiscard]] double share(double total_rate) const noexcept { return total_rate / count; }
  // The seed of this instance's random stream (instance 1/1 keeps `seed`'s own stream).
  [[nodiscard]] uint64_t stream_seed(uint64_t seed) const noexcept;
  [[nodiscard]] std::string to_string() const;
};

// Parses "K/N" with 1 <= K <= N; throws UsageError naming --instance.
[[nodiscard]] Instance parse_instance(std::string_view text);

}  // namespace shop
