#pragma once
// One purchase, generated from the shared model; the same (seed, index) always gives the
// same purchase, whichever connection sends it.
#include <cstdint>

#include "catalog.hpp"
#include "core/generation_model.hpp"

namespace shop::purchases {

struct Purchase {
  uint64_t user_id;
  uint64_t item_id;
  uint32_t quantity;          // 1..5, mostly 1
  uint32_t unit_price_cents;  // the item's price
  bool completed;             // status 1; false: an abandoned cart (status 0), stock untouched

  [[nodiscard]] uint64_t price_cents() const noexcept { return uint64_t{unit_price_cents} * quantity; }
};

// Share of completed purchases; the rest are abandoned carts.
inline constexpr double k_completed_share = 0.9;

class PurchaseGenerator {
 public:
  PurchaseGenerator(const Catalog& catalog, uint64_t stream_seed);
  [[nodiscard]] Purchase make(uint64_t index) const;

 private:
  const Catalog& m_catalog;
  ItemModel m_items;
  UserModel m_users;
  uint64_t m_stream_seed;
};

}  // namespace shop::purchases
