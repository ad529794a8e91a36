#include "core/histogram.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(LatencyHistogram, EmptyReportsZero) {
  shop::LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile(0.5), 0ns);
}

TEST(LatencyHistogram, PercentilesWithinThreePercent) {
  shop::LatencyHistogram histogram;
  for (int ms = 1; ms <= 1000; ++ms) histogram.record(std::chrono::milliseconds(ms));
  EXPECT_EQ(histogram.count(), 1000u);
  EXPECT_EQ(histogram.max(), 1000ms);
  const auto near = [](std::chrono::nanoseconds actual, double expected_ms) {
    const double actual_ms = static_cast<double>(actual.count()) / 1e6;
    EXPECT_GE(actual_ms, expected_ms) << actual_ms;  // upper bucket edge: never below
    EXPECT_LE(actual_ms, expected_ms * 1.035) << actual_ms;
  };
  near(histogram.percentile(0.50), 500);
  near(histogram.percentile(0.90), 900);
  near(histogram.percentile(0.99), 990);
  EXPECT_EQ(histogram.percentile(1.0), 1000ms);
}

TEST(LatencyHistogram, SmallValuesAreExactAndMergeAddsUp) {
  shop::LatencyHistogram a;
  shop::LatencyHistogram b;
  for (int i = 0; i < 10; ++i) a.record(std::chrono::nanoseconds(7));
  for (int i = 0; i < 30; ++i) b.record(std::chrono::nanoseconds(20));
  a.merge(b);
  EXPECT_EQ(a.count(), 40u);
  EXPECT_EQ(a.percentile(0.25), 7ns);
  EXPECT_EQ(a.percentile(0.26), 20ns);
  EXPECT_EQ(a.max(), 20ns);
}

TEST(LatencyHistogram, NegativeLatencyCountsAsZero) {
  shop::LatencyHistogram histogram;
  histogram.record(-5ms);
  EXPECT_EQ(histogram.percentile(0.5), 0ns);
}
