#pragma once
// The generation model shared by shop-purchases and shop-pageviews (DESIGN.md
// "Generation model"), so the conversion funnel is coherent: page views pick items by
// popularity, purchases by popularity x conversion propensity, so every item has its own
// stable conversion rate. The model depends only on the ids it is built from (and a fixed
// model seed), never on a run's --seed: two tools given the same catalog agree on it.
#include <cstdint>
#include <span>
#include <vector>

#include "core/random.hpp"

namespace shop {

// O(1) sampling from a fixed discrete distribution (Vose's alias method).
class AliasTable {
 public:
  explicit AliasTable(std::span<const double> weights);
  // Inline: three samples per page view (see random.hpp).
  [[nodiscard]] size_t sample(Rng& rng) const noexcept {
    const auto column = static_cast<size_t>(rng.below(m_probability.size()));
    return rng.unit() < m_probability[column] ? column : m_alias[column];
  }
  [[nodiscard]] size_t size() const noexcept { return m_probability.size(); }

 private:
  std::vector<double> m_probability;
  std::vector<uint32_t> m_alias;
};

// The catalog size shop-seed creates by default (users and items get ids 1..N), which
// shop-pageviews assumes unless told otherwise.
inline constexpr uint64_t k_default_users = 10'000;
inline constexpr uint64_t k_default_items = 1'000;

// Popularity is Zipf-like (weight 1/rank^s) over a seeded permutation of the ids, so the
// best sellers are scattered across the catalog, not ids 1, 2, 3.
inline constexpr uint64_t k_model_seed = 0x5300'5400'0000'0001ULL;
inline constexpr double k_item_popularity_exponent = 1.0;
inline constexpr double k_user_activity_exponent = 0.6;
// VIP users buy this many times as often as others with the same activity.
inline constexpr double k_vip_purchase_factor = 3.0;

class ItemModel {
 public:
  // `item_ids` in any order; the model sorts a copy, so order does not matter.
  explicit ItemModel(std::span<const uint64_t> item_ids);

  // Index into ids() of an item, chosen by popularity (a page view).
  [[nodiscard]] size_t pick_viewed(Rng& rng) const noexcept { return m_viewed.sample(rng); }
  // Index into ids() of an item, chosen by popularity x conversion propensity (a purchase).
  [[nodiscard]] size_t pick_purchased(Rng& rng) const noexcept { return m_purchased.sample(rng); }

  [[nodiscard]] const std::vector<uint64_t>& ids() const noexcept { return m_ids; }
  // Relative popularity (sums to 1) and conversion propensity (0.005..0.08) by index.
  [[nodiscard]] double popularity(size_t index) const noexcept { return m_popularity[index]; }
  [[nodiscard]] double propensity(size_t index) const noexcept { return m_propensity[index]; }

 private:
  std::vector<uint64_t> m_ids;
  std::vector<double> m_popularity;
  std::vector<double> m_propensity;
  AliasTable m_viewed;
  AliasTable m_purchased;
};

class UserModel {
 public:
  // `is_vip` is empty (no VIP information, e.g. page views) or parallel to `user_ids`.
  UserModel(std::span<const uint64_t> user_ids, std::span<const bool> is_vip);

  // Index into ids() of the user behind a page view (activity).
  [[nodiscard]] size_t pick_visitor(Rng& rng) const noexcept { return m_visitors.sample(rng); }
  // Index into ids() of a buyer (activity, VIPs more).
  [[nodiscard]] size_t pick_buyer(Rng& rng) const noexcept { return m_buyers.sample(rng); }
  [[nodiscard]] const std::vector<uint64_t>& ids() const noexcept { return m_ids; }

 private:
  std::vector<uint64_t> m_ids;
  AliasTable m_visitors;
  AliasTable m_buyers;
};

}  // namespace shop
