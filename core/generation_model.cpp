#include "core/generation_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace shop {

AliasTable::AliasTable(std::span<const double> weights) : m_probability(weights.size()), m_alias(weights.size()) {
  const size_t n = weights.size();
  if (n == 0) throw Error("internal: empty distribution");
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> scaled(n);
  std::vector<uint32_t> small;
  std::vector<uint32_t> large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const uint32_t less = small.back();
    small.pop_back();
    const uint32_t more = large.back();
    m_probability[less] = scaled[less];
    m_alias[less] = more;
    scaled[more] = (scaled[more] + scaled[less]) - 1.0;
    if (scaled[more] < 1.0) {
      large.pop_back();
      small.push_back(more);
    }
  }
  // Left-overs are 1 up to rounding.
  for (const uint32_t i : large) m_probability[i] = 1.0;
  for (const uint32_t i : small) m_probability[i] = 1.0;
}


namespace {

std::vector<uint64_t> sorted_copy(std::span<const uint64_t> ids) {
  std::vector<uint64_t> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// Zipf-like weights over a seeded permutation: position i gets 1/(rank_i)^exponent.
std::vector<double> zipf_over_permutation(size_t n, uint64_t stream, double exponent) {
  std::vector<uint32_t> rank(n);
  std::iota(rank.begin(), rank.end(), 1u);
  Rng rng(derive_seed(k_model_seed, stream));
  for (size_t i = n; i > 1; --i) std::swap(rank[i - 1], rank[static_cast<size_t>(rng.below(i))]);  // Fisher-Yates
  std::vector<double> weights(n);
  for (size_t i = 0; i < n; ++i) weights[i] = 1.0 / std::pow(static_cast<double>(rank[i]), exponent);
  return weights;
}

std::vector<double> normalized(std::vector<double> weights) {
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  for (auto& weight : weights) weight /= total;
  return weights;
}

}  // namespace

ItemModel::ItemModel(std::span<const uint64_t> item_ids)
    : m_ids(sorted_copy(item_ids)),
      m_popularity(normalized(zipf_over_permutation(m_ids.size(), 1, k_item_popularity_exponent))),
      m_propensity(m_ids.size()),
      m_viewed(m_popularity),
      m_purchased(m_popularity) {
  // Conversion propensity per item, from the item's own id so it does not depend on which
  // other items exist: 0.5% .. 8%, most items near the low end.
  for (size_t i = 0; i < m_ids.size(); ++i) {
    Rng rng(derive_seed(k_model_seed ^ 0xC0'4E'E0'57ULL, m_ids[i]));
    const double u = rng.unit();
    m_propensity[i] = 0.005 + 0.075 * u * u;
  }
  std::vector<double> purchase_weights(m_ids.size());
  for (size_t i = 0; i < m_ids.size(); ++i) purchase_weights[i] = m_popularity[i] * m_propensity[i];
  m_purchased = AliasTable(purchase_weights);
}

UserModel::UserModel(std::span<const uint64_t> user_ids, std::span<const bool> is_vip)
    : m_ids(user_ids.begin(), user_ids.end()),
      m_visitors(std::vector<double>{1.0}),
      m_buyers(std::vector<double>{1.0}) {
  if (!is_vip.empty() && is_vip.size() != user_ids.size()) throw Error("internal: is_vip does not match user ids");
  // Sort ids (with their VIP flags) so the model depends on the set of users only.
  std::vector<size_t> order(m_ids.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return user_ids[a] < user_ids[b]; });
  std::vector<bool> vip(m_ids.size(), false);
  for (size_t i = 0; i < order.size(); ++i) {
    m_ids[i] = user_ids[order[i]];
    if (!is_vip.empty()) vip[i] = is_vip[order[i]];
  }
  const auto activity = zipf_over_permutation(m_ids.size(), 2, k_user_activity_exponent);
  m_visitors = AliasTable(activity);
  std::vector<double> buying(activity);
  for (size_t i = 0; i < buying.size(); ++i) {
    if (vip[i]) buying[i] *= k_vip_purchase_factor;
  }
  m_buyers = AliasTable(buying);
}

}  // namespace shop
