#include "core/number_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace shop {
namespace {

TEST(FormatGrouped, CommasBetweenGroupsOfThreeDigits) {
  EXPECT_EQ(format_grouped(56000.0), "56,000");
  EXPECT_EQ(format_grouped(1638400.0), "1,638,400");
  EXPECT_EQ(format_grouped(999.0), "999");
  EXPECT_EQ(format_grouped(1000.0), "1,000");
  EXPECT_EQ(format_grouped(1234.56, 1), "1,234.6");
  EXPECT_EQ(format_grouped(-1234567.891, 2), "-1,234,567.89");
  EXPECT_EQ(format_grouped(-0.04, 1), "0.0");
  EXPECT_EQ(format_grouped(0.0, 1), "0.0");
  EXPECT_EQ(format_grouped(std::numeric_limits<double>::infinity()), "inf");
}

TEST(FormatGrouped, IntegersOfEveryWidthAndSign) {
  EXPECT_EQ(format_grouped(uint64_t{18446744073709551615U}), "18,446,744,073,709,551,615");
  EXPECT_EQ(format_grouped(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
  EXPECT_EQ(format_grouped(0), "0");
  EXPECT_EQ(format_grouped(-1000), "-1,000");
  EXPECT_EQ(format_grouped(size_t{123456}), "123,456");
}

TEST(FormatRate, NoExponentAndNoTrailingZeros) {
  EXPECT_EQ(format_rate(56000), "56,000");       // {:.4g} wrote 5.6e+04
  EXPECT_EQ(format_rate(1638400), "1,638,400");  // {:g} wrote 1.6384e+06
  EXPECT_EQ(format_rate(1000), "1,000");
  EXPECT_EQ(format_rate(12.5), "12.5");
  EXPECT_EQ(format_rate(1.5625), "1.56");
  EXPECT_EQ(format_rate(0.78125), "0.78");
  EXPECT_EQ(format_rate(1562.5), "1,562.5");
  EXPECT_EQ(format_rate(70), "70");
}

}  // namespace
}  // namespace shop
