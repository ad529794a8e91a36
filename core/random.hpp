#pragma once
// Seeded random numbers that are identical on every platform and library version:
// xoshiro256** seeded through splitmix64, with our own distributions (the standard
// library's distributions differ between implementations, which would break "same
// flags, same data").
#include <bit>
#include <cstdint>

namespace shop {

// 128-bit arithmetic for exact multiply-high (GCC/Clang extension; __extension__ keeps -Wpedantic quiet).
__extension__ using uint128 = unsigned __int128;

// splitmix64 step: used to expand seeds and to derive independent stream seeds.
[[nodiscard]] constexpr uint64_t splitmix64(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed for an independent stream (e.g. one per --instance, one per table).
[[nodiscard]] constexpr uint64_t derive_seed(uint64_t seed, uint64_t stream) noexcept {
  uint64_t state = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  (void)splitmix64(state);
  return splitmix64(state);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) noexcept;

  [[nodiscard]] uint64_t next() noexcept;
  // Uniform in [0, bound); bound > 0. Unbiased (Lemire's method).
  [[nodiscard]] uint64_t below(uint64_t bound) noexcept;
  // Uniform in [low, high], inclusive; low <= high.
  [[nodiscard]] int64_t between(int64_t low, int64_t high) noexcept;
  // Uniform in [0, 1) with 53 random bits.
  [[nodiscard]] double unit() noexcept;
  // True with probability p.
  [[nodiscard]] bool chance(double p) noexcept { return unit() < p; }

 private:
  uint64_t m_state[4];
};

// Defined here, not in a .cpp: a page view draws seven numbers from a freshly seeded Rng,
// and the calls cost more than the arithmetic (callgrind, bench/pageviews.sh).
inline Rng::Rng(uint64_t seed) noexcept {
  uint64_t state = seed;
  for (auto& word : m_state) word = splitmix64(state);
}

inline uint64_t Rng::next() noexcept {
  const uint64_t result = std::rotl(m_state[1] * 5, 7) * 9;
  const uint64_t t = m_state[1] << 17;
  m_state[2] ^= m_state[0];
  m_state[3] ^= m_state[1];
  m_state[1] ^= m_state[2];
  m_state[0] ^= m_state[3];
  m_state[2] ^= t;
  m_state[3] = std::rotl(m_state[3], 45);
  return result;
}

inline uint64_t Rng::below(uint64_t bound) noexcept {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  uint128 product = static_cast<uint128>(next()) * bound;
  auto low = static_cast<uint64_t>(product);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<uint128>(next()) * bound;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

inline int64_t Rng::between(int64_t low, int64_t high) noexcept {
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1;
  if (span == 0) return static_cast<int64_t>(next());  // the whole int64 range
  return static_cast<int64_t>(static_cast<uint64_t>(low) + below(span));
}

inline double Rng::unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

}  // namespace shop
