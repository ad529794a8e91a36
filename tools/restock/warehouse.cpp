#include "warehouse.hpp"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/mysql.hpp"

namespace shop::restock {
namespace {

std::unique_ptr<sql::ResultSet> query(sql::Statement& statement, const std::string& sql) {
  return std::unique_ptr<sql::ResultSet>(statement.executeQuery(sql));
}

}  // namespace

void Warehouse::connect() { m_connection = connect_mysql(m_url); }

std::vector<OpenOrder> Warehouse::open_orders() {
  std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
  // The age from the server's own clock, so a restart resumes each delivery on time.
  const auto rows = query(*statement,
                          "SELECT id, item_id, quantity, GREATEST(0, UNIX_TIMESTAMP(NOW(6)) - UNIX_TIMESTAMP(created_at)) "
                          "FROM warehouse_orders WHERE status = 'placed' ORDER BY id");
  std::vector<OpenOrder> orders;
  while (rows->next()) {
    orders.push_back({rows->getUInt64(1), rows->getUInt64(2), rows->getInt64(3),
                      std::chrono::nanoseconds(static_cast<int64_t>(rows->getDouble(4) * 1e9))});
  }
  return orders;
}

Placement Warehouse::place(uint64_t item_id, const QuantityRule& rule, bool dry_run) {
  std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
  begin_transaction(*statement);
  try {
    Placement placement{};
    const auto item = query(*statement, fmt::format("SELECT inventory FROM items WHERE id = {} FOR UPDATE", item_id));
    if (!item->next()) {
      rollback_transaction(*statement);
      placement.outcome = Placement::Outcome::no_such_item;
      return placement;
    }
    placement.stock = item->getInt64(1);
    const auto open = query(*statement, fmt::format("SELECT id, quantity FROM warehouse_orders WHERE item_id = {} AND "
                                                    "status = 'placed' ORDER BY id LIMIT 1",
                                                    item_id));
    if (open->next()) {
      rollback_transaction(*statement);
      placement.outcome = Placement::Outcome::already_open;
      placement.order_id = open->getUInt64(1);
      placement.quantity = open->getInt64(2);
      return placement;
    }
    placement.quantity = rule.fixed ? *rule.fixed : *rule.restock_to - placement.stock;
    if (placement.quantity <= 0) {
      rollback_transaction(*statement);
      placement.outcome = Placement::Outcome::not_needed;
      return placement;
    }
    if (dry_run) {
      rollback_transaction(*statement);
      placement.outcome = Placement::Outcome::placed;
      return placement;
    }
    statement->execute(fmt::format("INSERT INTO warehouse_orders (item_id, quantity, status) VALUES ({}, {}, 'placed')",
                                   item_id, placement.quantity));
    const auto id = query(*statement, "SELECT LAST_INSERT_ID()");
    id->next();
    placement.order_id = id->getUInt64(1);
    commit_transaction(*statement);
    placement.outcome = Placement::Outcome::placed;
    return placement;
  } catch (...) {
    try {
      rollback_transaction(*statement);
    } catch (...) {  // the connection is gone; the server rolls back
    }
    throw;
  }
}

bool Warehouse::deliver(const OpenOrder& order) {
  std::unique_ptr<sql::Statement> statement(m_connection->createStatement());
  begin_transaction(*statement);
  try {
    // The status guard makes a repeated delivery (another process, a retried COMMIT) a no-op.
    const int updated = statement->executeUpdate(fmt::format(
        "UPDATE warehouse_orders SET status = 'delivered', delivered_at = NOW() WHERE id = {} AND status = 'placed'",
        order.id));
    if (updated == 0) {
      rollback_transaction(*statement);
      return false;
    }
    statement->execute(fmt::format(
        "UPDATE items SET inventory = inventory + {}, inventory_updated_at = NOW() WHERE id = {}", order.quantity,
        order.item_id));
    commit_transaction(*statement);
    return true;
  } catch (...) {
    try {
      rollback_transaction(*statement);
    } catch (...) {
    }
    throw;
  }
}

}  // namespace shop::restock
