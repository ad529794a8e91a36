#include "purchase.hpp"

#include <array>

namespace shop::purchases {

PurchaseGenerator::PurchaseGenerator(const Catalog& catalog, uint64_t stream_seed)
    : m_catalog(catalog),
      m_items(catalog.item_ids),
      m_users(catalog.user_ids, std::span<const bool>(catalog.user_is_vip.get(), catalog.user_ids.size())),
      m_stream_seed(stream_seed) {}

Purchase PurchaseGenerator::make(uint64_t index) const {
  Rng rng(derive_seed(m_stream_seed, index));
  Purchase purchase{};
  purchase.user_id = m_users.ids()[m_users.pick_buyer(rng)];
  const size_t item = m_items.pick_purchased(rng);
  purchase.item_id = m_items.ids()[item];
  purchase.unit_price_cents = m_catalog.item_price_cents[item];
  // Quantity 1..5 skewed to 1: 50%, 25%, 12%, 8%, 5%.
  constexpr std::array<uint32_t, 5> cumulative_percent = {50, 75, 87, 95, 100};
  const auto roll = static_cast<uint32_t>(rng.below(100));
  purchase.quantity = 1;
  while (roll >= cumulative_percent[purchase.quantity - 1]) ++purchase.quantity;
  purchase.completed = rng.chance(k_completed_share);
  return purchase;
}

}  // namespace shop::purchases
