#pragma once
// shop.warehouse_orders through MySQL: placing an order (at most one open per item, also
// against other restock processes) and delivering it (stock up and the order delivered
// in one transaction, never twice).
#include <cppconn/connection.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/url.hpp"

namespace shop::restock {

struct OpenOrder {
  uint64_t id;
  uint64_t item_id;
  int64_t quantity;
  std::chrono::nanoseconds age;  // since it was placed
};

// How many to order: up to a target stock, or a fixed quantity.
struct QuantityRule {
  std::optional<int64_t> restock_to;
  std::optional<int64_t> fixed;
};

struct Placement {
  enum class Outcome { placed, already_open, not_needed, no_such_item } outcome;
  uint64_t order_id = 0;  // placed or already_open
  int64_t quantity = 0;
  int64_t stock = 0;      // the item's stock when decided
};

class Warehouse {
 public:
  explicit Warehouse(MysqlUrl url) : m_url(std::move(url)) {}

  void connect();
  [[nodiscard]] bool connected() const noexcept { return m_connection != nullptr; }
  void disconnect() noexcept { m_connection.reset(); }

  [[nodiscard]] std::vector<OpenOrder> open_orders();
  // Locks the item's row, so two processes cannot both place an order for it; places
  // one unless an order is open or the stock is already at the target. `dry_run`
  // decides without writing.
  Placement place(uint64_t item_id, const QuantityRule& rule, bool dry_run);
  // Delivers an open order; false when it was no longer open (delivered by another
  // process, or by us before a lost COMMIT).
  bool deliver(const OpenOrder& order);

 private:
  MysqlUrl m_url;
  std::unique_ptr<sql::Connection> m_connection;
};

}  // namespace shop::restock
