#include "core/random.hpp"

#include <bit>

namespace shop {

Rng::Rng(uint64_t seed) noexcept {
  uint64_t state = seed;
  for (auto& word : m_state) word = splitmix64(state);
}

uint64_t Rng::next() noexcept {
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

uint64_t Rng::below(uint64_t bound) noexcept {
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

int64_t Rng::between(int64_t low, int64_t high) noexcept {
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1;
  if (span == 0) return static_cast<int64_t>(next());  // the whole int64 range
  return static_cast<int64_t>(static_cast<uint64_t>(low) + below(span));
}

double Rng::unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

}  // namespace shop
