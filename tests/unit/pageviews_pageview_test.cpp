// tools/pageviews/pageview.cpp: the JSON shape, determinism and the distributions.
#include "pageview.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

namespace shop::pageviews {
namespace {

std::string value_of(const Pageview& view, int64_t received_at) {
  char buffer[k_max_value_bytes];
  return {buffer, format_value(view, received_at, buffer)};
}

std::string key_of(const Pageview& view) {
  char buffer[k_max_key_bytes];
  return {buffer, format_key(view, buffer)};
}

TEST(PageviewFormat, IsTheOriginalShapeAndSpacingByteForByte) {
  EXPECT_EQ(value_of({3290, true, 257, 2}, 1634651213),
            R"({"user_id": 3290, "url": "/products/257", "channel": "social", "received_at": 1634651213})");
  EXPECT_EQ(value_of({1, false, 42, 0}, 0),
            R"({"user_id": 1, "url": "/profiles/42", "channel": "organic search", "received_at": 0})");
  EXPECT_EQ(value_of({7, true, 9, 1}, 5), R"({"user_id": 7, "url": "/products/9", "channel": "paid search", "received_at": 5})");
}

TEST(PageviewFormat, TheLongestValueFitsTheBuffer) {
  const Pageview longest{UINT64_MAX, false, UINT64_MAX, 0};  // "organic search" and "profiles" are the longest
  const std::string value = value_of(longest, INT64_MIN);
  EXPECT_LE(value.size(), k_max_value_bytes);
  EXPECT_EQ(key_of(longest), "18446744073709551615");
}

TEST(PageviewFormat, IsTheUserIdAsDecimalText) { EXPECT_EQ(key_of({3290, true, 257, 2}), "3290"); }

// Golden values: the same seed gives the same events on every platform and build.
TEST(PageviewGenerator, GoldenEventsForTheDefaultSeed) {
  const PageviewGenerator generator(k_default_users, k_default_items, 0.5, 42);
  EXPECT_EQ(value_of(generator.make(0), 1),
            R"({"user_id": 8853, "url": "/profiles/6695", "channel": "paid search", "received_at": 1})");
  EXPECT_EQ(value_of(generator.make(1), 1),
            R"({"user_id": 8138, "url": "/products/714", "channel": "social", "received_at": 1})");
  EXPECT_EQ(value_of(generator.make(2), 1),
            R"({"user_id": 2853, "url": "/products/111", "channel": "social", "received_at": 1})");
}

TEST(PageviewGenerator, EventIDependsOnlyOnTheSeedAndI) {
  const PageviewGenerator a(500, 50, 0.5, 7);
  const PageviewGenerator b(500, 50, 0.5, 7);
  const PageviewGenerator other_seed(500, 50, 0.5, 8);
  size_t differ = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    const uint64_t j = 999 - i;  // any order of generation
    EXPECT_EQ(value_of(a.make(i), 0), value_of(b.make(i), 0));
    EXPECT_EQ(value_of(a.make(j), 0), value_of(b.make(j), 0));
    differ += value_of(a.make(i), 0) != value_of(other_seed.make(i), 0) ? 1u : 0u;
  }
  EXPECT_GT(differ, 900u);
}

TEST(PageviewGenerator, IdsAreAlwaysValidForTheCatalog) {
  const PageviewGenerator generator(37, 11, 0.5, 1);
  for (uint64_t i = 0; i < 20000; ++i) {
    const Pageview view = generator.make(i);
    ASSERT_GE(view.user_id, 1u);
    ASSERT_LE(view.user_id, 37u);
    ASSERT_GE(view.target_id, 1u);
    ASSERT_LE(view.target_id, view.product ? 11u : 37u);
    ASSERT_LT(view.channel, k_channels.size());
  }
}

TEST(PageviewGenerator, ProductShareIsHonouredIncludingTheEnds) {
  constexpr uint64_t n = 100'000;
  for (const double share : {0.0, 0.2, 0.5, 1.0}) {
    const PageviewGenerator generator(1000, 100, share, 3);
    uint64_t products = 0;
    for (uint64_t i = 0; i < n; ++i) products += generator.make(i).product ? 1u : 0u;
    EXPECT_NEAR(static_cast<double>(products) / n, share, 0.005) << "share " << share;
  }
}

TEST(PageviewGenerator, ChannelsFollowTheirShares) {
  constexpr uint64_t n = 200'000;
  const PageviewGenerator generator(1000, 100, 0.5, 4);
  std::map<uint8_t, uint64_t> counts;
  for (uint64_t i = 0; i < n; ++i) ++counts[generator.make(i).channel];
  for (size_t c = 0; c < k_channels.size(); ++c) {
    EXPECT_NEAR(static_cast<double>(counts[static_cast<uint8_t>(c)]) / n, k_channels[c].share, 0.005)
        << k_channels[c].name;
  }
}

// Items are viewed by the popularity of the shared model: the funnel view divides
// purchases (popularity x propensity) by exactly these views.
TEST(PageviewGenerator, ProductViewsFollowTheSharedItemPopularity) {
  constexpr uint64_t items = 200;
  constexpr uint64_t n = 400'000;
  const PageviewGenerator generator(1000, items, 1.0, 5);
  std::vector<uint64_t> ids(items);
  for (uint64_t i = 0; i < items; ++i) ids[i] = i + 1;
  const ItemModel model(ids);
  std::vector<uint64_t> views(items + 1, 0);
  for (uint64_t i = 0; i < n; ++i) ++views[generator.make(i).target_id];
  size_t most_popular = 0;
  for (size_t i = 1; i < items; ++i) {
    if (model.popularity(i) > model.popularity(most_popular)) most_popular = i;
  }
  const double expected = model.popularity(most_popular);
  const double observed = static_cast<double>(views[ids[most_popular]]) / n;
  EXPECT_NEAR(observed, expected, expected * 0.05);
  // Skewed, not uniform: the top item gets many times the average.
  EXPECT_GT(observed, 10.0 / items);
}

}  // namespace
}  // namespace shop::pageviews
