#include "core/generation_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <numeric>

namespace {
std::vector<uint64_t> ids_1_to(uint64_t n) {
  std::vector<uint64_t> ids(n);
  std::iota(ids.begin(), ids.end(), uint64_t{1});
  return ids;
}
}  // namespace

TEST(AliasTable, SamplesInProportionToWeights) {
  const std::vector<double> weights = {1, 2, 3, 4};
  const shop::AliasTable table(weights);
  shop::Rng rng(1);
  std::vector<int> counts(4);
  constexpr int n = 200'000;
  for (int i = 0; i < n; ++i) ++counts[table.sample(rng)];
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(counts[i] / double(n), weights[i] / 10.0, 0.005) << i;
}

TEST(ItemModel, DependsOnTheSetOfIdsNotTheirOrder) {
  auto ids = ids_1_to(500);
  const shop::ItemModel a(ids);
  std::reverse(ids.begin(), ids.end());
  const shop::ItemModel b(ids);
  shop::Rng rng_a(3);
  shop::Rng rng_b(3);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(a.ids()[a.pick_purchased(rng_a)], b.ids()[b.pick_purchased(rng_b)]);
  }
  EXPECT_EQ(a.propensity(41), b.propensity(41));
}

TEST(ItemModel, ViewsFollowPopularityAndPurchasesAlsoPropensity) {
  const shop::ItemModel model(ids_1_to(1000));
  shop::Rng rng(5);
  std::vector<double> views(1000);
  std::vector<double> purchases(1000);
  constexpr int n = 1'000'000;
  for (int i = 0; i < n; ++i) {
    views[model.pick_viewed(rng)] += 1;
    purchases[model.pick_purchased(rng)] += 1;
  }
  // The most popular item gets its share of views (Zipf, s = 1: about 13% of 1000 items).
  const auto top = static_cast<size_t>(std::max_element(views.begin(), views.end()) - views.begin());
  EXPECT_NEAR(views[top] / n, model.popularity(top), 0.005);
  EXPECT_GT(model.popularity(top), 0.1);
  // Purchases per view track each item's propensity: high-propensity items convert more.
  double high = 0, high_views = 0, low = 0, low_views = 0;
  for (size_t i = 0; i < 1000; ++i) {
    if (model.propensity(i) > 0.04) {
      high += purchases[i];
      high_views += views[i];
    } else if (model.propensity(i) < 0.01) {
      low += purchases[i];
      low_views += views[i];
    }
  }
  EXPECT_GT(high / high_views, 3 * (low / low_views));
  for (size_t i = 0; i < 1000; ++i) {
    EXPECT_GE(model.propensity(i), 0.005);
    EXPECT_LE(model.propensity(i), 0.08);
  }
}

TEST(UserModel, ActivityIsSkewedAndVipsBuyMore) {
  const auto ids = ids_1_to(10'000);
  // std::vector<bool> has no contiguous storage for a span; a plain array does.
  std::unique_ptr<bool[]> vip(new bool[ids.size()]);
  for (size_t i = 0; i < ids.size(); ++i) vip[i] = (i % 5 == 0);  // 20% VIP
  const shop::UserModel model(ids, std::span<const bool>(vip.get(), ids.size()));
  shop::Rng rng(9);
  std::vector<int> visits(ids.size());
  int vip_purchases = 0;
  constexpr int n = 300'000;
  for (int i = 0; i < n; ++i) {
    ++visits[model.pick_visitor(rng)];
    vip_purchases += (model.ids()[model.pick_buyer(rng)] - 1) % 5 == 0 ? 1 : 0;
  }
  std::sort(visits.rbegin(), visits.rend());
  const int top_one_percent = std::accumulate(visits.begin(), visits.begin() + 100, 0);
  EXPECT_GT(top_one_percent / double(n), 0.05);  // skewed: the top 1% of users do > 5% of visits
  // 20% of users, 3x the weight: about 43% of purchases.
  EXPECT_NEAR(vip_purchases / double(n), 0.2 * 3 / (0.2 * 3 + 0.8), 0.03);
}
