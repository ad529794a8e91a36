#pragma once
// Latency histogram with log-spaced buckets (32 per power of two, about 3% resolution),
// O(1) to record, fixed memory; reports p50/p90/p99/max as sysbench and pgbench do.
#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace shop {

class LatencyHistogram {
 public:
  void record(std::chrono::nanoseconds latency) noexcept;
  void merge(const LatencyHistogram& other) noexcept;
  // What was recorded after `earlier` (an older copy of this histogram): the interval
  // reports' histograms. Its max is the highest such bucket's upper edge (no sample
  // is kept), capped at this one's max.
  [[nodiscard]] LatencyHistogram since(const LatencyHistogram& earlier) const noexcept;
  // Calls visit(upper_edge_ns, count) for each bucket with samples, in rising order.
  template <typename Visit>
  void for_each_bucket(Visit&& visit) const {
    for (size_t i = 0; i < m_buckets.size(); ++i) {
      if (m_buckets[i] != 0) visit(upper_edge(i), m_buckets[i]);
    }
  }
  // Adds `count` samples of `value_ns` (merging a histogram read back from a report).
  void record_many(uint64_t value_ns, uint64_t count) noexcept;

  [[nodiscard]] uint64_t count() const noexcept { return m_count; }
  [[nodiscard]] std::chrono::nanoseconds max() const noexcept { return std::chrono::nanoseconds(m_max); }
  // The smallest recorded bucket's upper edge at or above the given quantile (0..1);
  // zero when empty.
  [[nodiscard]] std::chrono::nanoseconds percentile(double quantile) const noexcept;

 private:
  // Buckets and sub-buckets per power of two (the .hgrm footer names them).
  static constexpr int k_sub_bucket_bits = 5;

 public:
  static constexpr int k_sub_buckets = 1 << k_sub_bucket_bits;
  static constexpr int k_powers = 64 - k_sub_bucket_bits + 1;

 private:
  static constexpr int k_buckets = (64 - k_sub_bucket_bits + 1) << k_sub_bucket_bits;
  static size_t bucket_of(uint64_t value) noexcept;
  static uint64_t upper_edge(size_t bucket) noexcept;

  std::array<uint64_t, k_buckets> m_buckets{};
  uint64_t m_count = 0;
  uint64_t m_max = 0;
};

// The histogram in HdrHistogram's percentile-distribution text format (.hgrm), as
// AbstractHistogram.outputPercentileDistribution writes it
// (github.com/HdrHistogram/HdrHistogram, src/main/java/org/HdrHistogram/AbstractHistogram.java
// and PercentileIterator.java): a header, then a line per percentile level ("%12.3f
// %2.12f %10d %14.2f": value, level, count up to it, 1/(1-level)), the levels starting
// at 0 and halving their distance to 100% every `ticks_per_half` (5) steps, a last line
// at 100% without the last column, and the #[Mean/Max/Buckets] footer. Values in
// milliseconds (the scaling ratio 1e6 from nanoseconds), each a bucket's upper edge (the
// max for the last line); mean and deviation from the buckets.
[[nodiscard]] std::string percentile_distribution(const LatencyHistogram& histogram, int ticks_per_half = 5);

}  // namespace shop
