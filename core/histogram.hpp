#pragma once
// Latency histogram with log-spaced buckets (32 per power of two, about 3% resolution),
// O(1) to record, fixed memory; reports p50/p90/p99/max as sysbench and pgbench do.
#include <array>
#include <chrono>
#include <cstdint>

namespace shop {

class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds latency) noexcept;
  void merge(const LatencyHistogram& other) noexcept;

  [[nodiscard]] uint64_t count() const noexcept { return m_count; }
  [[nodiscard]] std::chrono::nanoseconds max() const noexcept { return std::chrono::nanoseconds(m_max); }
  // The smallest recorded bucket's upper edge at or above the given quantile (0..1);
  // zero when empty.
  [[nodiscard]] std::chrono::nanoseconds percentile(double quantile) const noexcept;

 private:
  static constexpr int k_sub_bucket_bits = 5;
  static constexpr int k_buckets = (64 - k_sub_bucket_bits + 1) << k_sub_bucket_bits;
  static size_t bucket_of(uint64_t value) noexcept;
  static uint64_t upper_edge(size_t bucket) noexcept;

  std::array<uint64_t, k_buckets> m_buckets{};
  uint64_t m_count = 0;
  uint64_t m_max = 0;
};

}  // namespace shop
