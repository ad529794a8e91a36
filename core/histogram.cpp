#include "core/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

namespace shop {

// Values below 2^5 get a bucket each; above, each power of two is split into 32 buckets.
size_t LatencyHistogram::bucket_of(uint64_t value) noexcept {
  constexpr uint64_t sub_buckets = uint64_t{1} << k_sub_bucket_bits;
  if (value < sub_buckets) return static_cast<size_t>(value);
  const int magnitude = 63 - std::countl_zero(value);  // >= k_sub_bucket_bits
  const int shift = magnitude - k_sub_bucket_bits;
  const uint64_t mantissa = (value >> shift) - sub_buckets;  // 0..31
  return static_cast<size_t>((static_cast<uint64_t>(shift + 1) << k_sub_bucket_bits) + mantissa);
}

uint64_t LatencyHistogram::upper_edge(size_t bucket) noexcept {
  constexpr uint64_t sub_buckets = uint64_t{1} << k_sub_bucket_bits;
  if (bucket < sub_buckets) return bucket;
  const auto shift = static_cast<int>((bucket >> k_sub_bucket_bits) - 1);
  const uint64_t mantissa = (bucket & (sub_buckets - 1)) + sub_buckets;
  return ((mantissa + 1) << shift) - 1;
}

void LatencyHistogram::record(std::chrono::nanoseconds latency) noexcept {
  const uint64_t value = latency.count() < 0 ? 0 : static_cast<uint64_t>(latency.count());
  ++m_buckets[bucket_of(value)];
  ++m_count;
  m_max = std::max(m_max, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (size_t i = 0; i < m_buckets.size(); ++i) m_buckets[i] += other.m_buckets[i];
  m_count += other.m_count;
  m_max = std::max(m_max, other.m_max);
}

LatencyHistogram LatencyHistogram::since(const LatencyHistogram& earlier) const noexcept {
  LatencyHistogram delta;
  for (size_t i = 0; i < m_buckets.size(); ++i) {
    delta.m_buckets[i] = m_buckets[i] >= earlier.m_buckets[i] ? m_buckets[i] - earlier.m_buckets[i] : 0;
    if (delta.m_buckets[i] != 0) delta.m_max = std::min(upper_edge(i), m_max);
  }
  delta.m_count = m_count >= earlier.m_count ? m_count - earlier.m_count : 0;
  return delta;
}

void LatencyHistogram::record_many(uint64_t value_ns, uint64_t count) noexcept {
  if (count == 0) return;
  m_buckets[bucket_of(value_ns)] += count;
  m_count += count;
  m_max = std::max(m_max, value_ns);
}

std::chrono::nanoseconds LatencyHistogram::percentile(double quantile) const noexcept {
  if (m_count == 0) return std::chrono::nanoseconds::zero();
  const double clamped = std::clamp(quantile, 0.0, 1.0);
  const auto rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(clamped * static_cast<double>(m_count))));
  uint64_t seen = 0;
  for (size_t i = 0; i < m_buckets.size(); ++i) {
    seen += m_buckets[i];
    if (seen >= rank) return std::chrono::nanoseconds(static_cast<int64_t>(std::min(upper_edge(i), m_max)));
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(m_max));
}

std::string percentile_distribution(const LatencyHistogram& histogram, int ticks_per_half) {
  constexpr double k_scale = 1e6;  // nanoseconds -> milliseconds
  std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
  const uint64_t total = histogram.count();
  double sum = 0;
  double sum_of_squares = 0;
  if (total > 0) {
    double level = 0;  // percent
    uint64_t seen = 0;
    double last_value = 0;
    histogram.for_each_bucket([&](uint64_t edge, uint64_t count) {
      const double value = static_cast<double>(std::min<uint64_t>(edge, static_cast<uint64_t>(histogram.max().count())));
      seen += count;
      sum += value * static_cast<double>(count);
      sum_of_squares += value * value * static_cast<double>(count);
      last_value = value;
      // Every level this bucket reaches, as PercentileIterator steps through them; in
      // the last bucket only the first (AbstractHistogramIterator.hasNext() is false once
      // every count is reached), then the 100% line.
      while (100.0 * static_cast<double>(seen) / static_cast<double>(total) >= level) {
        out += fmt::format("{:12.3f} {:2.12f} {:10d} {:14.2f}\n", value / k_scale, level / 100.0, seen,
                           1.0 / (1.0 - level / 100.0));
        const auto ticks = static_cast<double>(ticks_per_half) *
                           std::pow(2.0, std::floor(std::log(100.0 / (100.0 - level)) / std::log(2.0)) + 1);
        level += 100.0 / ticks;
        if (seen == total) break;
      }
    });
    out += fmt::format("{:12.3f} {:2.12f} {:10d}\n", last_value / k_scale, 1.0, total);
  }
  const double mean = total > 0 ? sum / static_cast<double>(total) : 0.0;
  const double variance = total > 0 ? std::max(0.0, sum_of_squares / static_cast<double>(total) - mean * mean) : 0.0;
  out += fmt::format("#[Mean    = {:12.3f}, StdDeviation   = {:12.3f}]\n", mean / k_scale, std::sqrt(variance) / k_scale);
  out += fmt::format("#[Max     = {:12.3f}, Total count    = {:12d}]\n",
                     static_cast<double>(histogram.max().count()) / k_scale, total);
  out += fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n", LatencyHistogram::k_powers,
                     LatencyHistogram::k_sub_buckets);
  return out;
}

}  // namespace shop
