#pragma once
// The seed's users and items: realistic, unique and deterministic for a given seed.
// Users and items come from separate random streams, so changing --users never changes
// the items (and the other way round).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/random.hpp"

namespace shop::seed {

// Rows are dated in the years before this instant (2024-01-01T00:00:00Z), fixed so the
// same flags give byte-identical rows on every run.
inline constexpr int64_t k_reference_epoch_seconds = 1'704'067'200;

// The original demo's four categories.
inline constexpr std::string_view k_categories[] = {"widgets", "gadgets", "doodads", "clearance"};

struct UserRow {
  uint64_t id;
  std::string email;
  bool is_vip;
  int64_t created_at;  // epoch seconds, UTC
};

struct ItemRow {
  uint64_t id;
  std::string name;
  std::string_view category;
  uint32_t price_cents;  // 500..50000
  int32_t inventory;
  int64_t created_at;  // epoch seconds, UTC
};

struct CatalogConfig {
  uint64_t users = 10'000;
  uint64_t items = 1'000;
  uint64_t seed = 42;
  int32_t inventory_min = 1'000;
  int32_t inventory_max = 5'000;
};

// Share of VIP users (the original: about 18%).
inline constexpr double k_vip_share = 0.18;

// Generates users 1..N in id order, one at a time (memory stays flat for millions).
class UserGenerator {
 public:
  explicit UserGenerator(const CatalogConfig& config);
  [[nodiscard]] bool done() const noexcept { return m_next_id > m_count; }
  // Fills `row` with the next user; `row`'s string capacity is reused.
  void next(UserRow& row);

 private:
  Rng m_rng;
  uint64_t m_count;
  uint64_t m_next_id = 1;
};

// Generates items 1..M in id order. Names are unique (checked, not just likely).
class ItemGenerator {
 public:
  explicit ItemGenerator(const CatalogConfig& config);
  [[nodiscard]] bool done() const noexcept { return m_next_id > m_count; }
  void next(ItemRow& row);

 private:
  std::string unique_name(size_t category, uint64_t id);
  Rng m_rng;
  uint64_t m_count;
  uint64_t m_next_id = 1;
  int32_t m_inventory_min;
  int32_t m_inventory_max;
  std::unordered_set<std::string> m_names;
  std::array<size_t, std::size(k_categories)> m_names_taken{};
};

}  // namespace shop::seed
