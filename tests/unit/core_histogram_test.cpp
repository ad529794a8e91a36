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

// HdrHistogram's .hgrm text (AbstractHistogram.outputPercentileDistribution), for a
// histogram known exactly: values below 32 ns have a bucket each.
TEST(PercentileDistribution, HdrHistogramTextFormat) {
  shop::LatencyHistogram histogram;
  for (int i = 0; i < 3; ++i) histogram.record(std::chrono::nanoseconds(10));
  histogram.record(std::chrono::nanoseconds(20));
  const std::string expected =
      "       Value     Percentile TotalCount 1/(1-Percentile)\n"
      "\n"
      // 75% are at 10 ns: the levels 0, 10, ..., 50 (5 ticks per half distance: steps of
      // 10 below 50%), then 55, ..., 75 (steps of 5 up to 75%).
      "       0.000 0.000000000000          3           1.00\n"
      "       0.000 0.100000000000          3           1.11\n"
      "       0.000 0.200000000000          3           1.25\n"
      "       0.000 0.300000000000          3           1.43\n"
      "       0.000 0.400000000000          3           1.67\n"
      "       0.000 0.500000000000          3           2.00\n"
      "       0.000 0.550000000000          3           2.22\n"
      "       0.000 0.600000000000          3           2.50\n"
      "       0.000 0.650000000000          3           2.86\n"
      "       0.000 0.700000000000          3           3.33\n"
      "       0.000 0.750000000000          3           4.00\n"
      // The last bucket: one line at the next level (77.5%), then 100%.
      "       0.000 0.775000000000          4           4.44\n"
      "       0.000 1.000000000000          4\n"
      "#[Mean    =        0.000, StdDeviation   =        0.000]\n"
      "#[Max     =        0.000, Total count    =            4]\n"
      "#[Buckets =           60, SubBuckets     =           32]\n";
  EXPECT_EQ(shop::percentile_distribution(histogram), expected);
}

TEST(PercentileDistribution, ValuesInMilliseconds) {
  shop::LatencyHistogram histogram;
  histogram.record(std::chrono::milliseconds(2));
  const std::string text = shop::percentile_distribution(histogram);
  EXPECT_NE(text.find("       2.000 0.000000000000          1           1.00\n"), std::string::npos) << text;
  EXPECT_NE(text.find("       2.000 1.000000000000          1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#[Max     =        2.000, Total count    =            1]\n"), std::string::npos) << text;
  EXPECT_EQ(shop::percentile_distribution(shop::LatencyHistogram()).substr(0, 58),
            "       Value     Percentile TotalCount 1/(1-Percentile)\n\n#");
}
