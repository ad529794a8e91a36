#include "core/random.hpp"

#include <gtest/gtest.h>

#include <set>

TEST(Rng, SameSeedSameSequence) {
  shop::Rng a(7);
  shop::Rng b(7);
  shop::Rng c(8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const auto value = a.next();
    EXPECT_EQ(value, b.next());
    differs |= value != c.next();
  }
  EXPECT_TRUE(differs);
}

// Golden values: if these change, every "same flags, same data" promise breaks, so a
// change here must be deliberate.
TEST(Rng, SequenceIsStableAcrossPlatformsAndVersions) {
  // Reference values from the xoshiro256** authors' C code seeded through splitmix64(42).
  shop::Rng rng(42);
  EXPECT_EQ(rng.next(), 0x15780b2e0c2ec716ULL);
  EXPECT_EQ(rng.next(), 0x6104d9866d113a7eULL);
  EXPECT_EQ(rng.next(), 0xae17533239e499a1ULL);
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  shop::Rng rng(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10'000; ++i) {
    const auto value = rng.below(10);
    ASSERT_LT(value, 10u);
    seen.insert(value);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(Rng, BetweenIsInclusive) {
  shop::Rng rng(2);
  int64_t low = 100;
  int64_t high = 0;
  for (int i = 0; i < 10'000; ++i) {
    const auto value = rng.between(-3, 3);
    ASSERT_GE(value, -3);
    ASSERT_LE(value, 3);
    low = std::min(low, value);
    high = std::max(high, value);
  }
  EXPECT_EQ(low, -3);
  EXPECT_EQ(high, 3);
  EXPECT_EQ(rng.between(5, 5), 5);
}

TEST(Rng, UnitIsInHalfOpenIntervalWithTheRightMean) {
  shop::Rng rng(3);
  double sum = 0;
  constexpr int n = 100'000;
  for (int i = 0; i < n; ++i) {
    const double value = rng.unit();
    ASSERT_GE(value, 0.0);
    ASSERT_LT(value, 1.0);
    sum += value;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
}

TEST(Rng, DerivedSeedsAreDistinctAndStable) {
  EXPECT_EQ(shop::derive_seed(42, 1), shop::derive_seed(42, 1));
  EXPECT_NE(shop::derive_seed(42, 1), shop::derive_seed(42, 2));
  EXPECT_NE(shop::derive_seed(42, 1), shop::derive_seed(43, 1));
}
