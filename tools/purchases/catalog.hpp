#pragma once
// The shop's catalog as shop-purchases needs it, read from MySQL at start.
#include <cppconn/connection.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/generation_model.hpp"
#include "core/url.hpp"

namespace shop::purchases {

struct Catalog {
  // Items sorted by id; ItemModel sorts the same way, so its indices index these too.
  std::vector<uint64_t> item_ids;
  std::vector<uint32_t> item_price_cents;
  uint64_t total_stock = 0;
  std::vector<uint64_t> user_ids;
  std::unique_ptr<bool[]> user_is_vip;  // parallel to user_ids (a span needs contiguous bools)
};

// Reads items and users; throws Error naming shop-seed when the database is not seeded.
[[nodiscard]] Catalog load_catalog(sql::Connection& connection, const MysqlUrl& url);

}  // namespace shop::purchases
