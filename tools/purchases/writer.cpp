#include "writer.hpp"

#include <cppconn/resultset.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/mysql.hpp"

namespace shop::purchases {
namespace {

constexpr int k_max_conflict_retries = 100;
constexpr std::string_view k_insert_columns =
    "INSERT INTO purchases (user_id, item_id, status, quantity, purchase_price) ";

void append_price(std::string& out, uint64_t cents) {
  fmt::format_to(std::back_inserter(out), "{}.{:02}", cents / 100, cents % 100);
}

void append_values(std::string& out, const Purchase& purchase) {
  fmt::format_to(std::back_inserter(out), "({},{},{},{},", purchase.user_id, purchase.item_id,
                 purchase.completed ? 1 : 0, purchase.quantity);
  append_price(out, purchase.price_cents());
  out += ')';
}

}  // namespace

BatchOutcome& BatchOutcome::operator+=(const BatchOutcome& other) {
  rows += other.rows;
  completed += other.completed;
  abandoned += other.abandoned;
  out_of_stock += other.out_of_stock;
  quantity_sold += other.quantity_sold;
  return *this;
}

std::string session_count_query(std::string_view server_version, bool performance_schema_on) {
  // MySQL deprecates information_schema.PROCESSLIST (warning 1287 since 8.0.35) for
  // performance_schema.processlist, which it has from 8.0.22 and fills only while the
  // Performance Schema is on (dev.mysql.com/doc/refman/8.4/en/information-schema-processlist-table.html,
  // .../performance-schema-processlist-table.html). MariaDB has no such table: it keeps
  // information_schema.PROCESSLIST, not deprecated (mariadb.com/kb/en/information-schema-processlist-table/).
  const bool mariadb = server_version.find("MariaDB") != std::string_view::npos;
  if (!mariadb && performance_schema_on) return "SELECT COUNT(*) FROM performance_schema.processlist WHERE ID = ";
  return "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ";
}

void PurchaseWriter::connect() {
  m_statement.reset();
  m_connection.reset();
  m_connection = connect_mysql(m_url, {.connect_timeout_seconds = 5, .multi_statements = true});
  m_statement.reset(m_connection->createStatement());
  disable_autocommit(*m_statement);
  const uint64_t previous_session = m_session_id;
  const int64_t previous_boot = m_server_boot;
  {
    std::unique_ptr<sql::ResultSet> id(
        m_statement->executeQuery("SELECT CONNECTION_ID(), UNIX_TIMESTAMP(), VERSION(), @@performance_schema"));
    id->next();
    m_session_id = id->getUInt64(1);
    const int64_t server_now = id->getInt64(2);
    m_session_count_query = session_count_query(std::string(id->getString(3)), id->getInt(4) != 0);
    std::unique_ptr<sql::ResultSet> uptime(m_statement->executeQuery("SHOW GLOBAL STATUS LIKE 'Uptime'"));
    m_server_boot = uptime->next() ? server_now - std::stoll(std::string(uptime->getString(2))) : 0;
  }
  commit_transaction(*m_statement);
  // Session ids start again at 1 when the server restarts: an old id may now belong to
  // someone else's session. Only on the same server instance is it still ours.
  const bool same_server = previous_boot != 0 && m_server_boot != 0 && std::abs(m_server_boot - previous_boot) <= 2;
  if (previous_session != 0 && same_server) kill_session(previous_session);
}

void PurchaseWriter::kill_session(uint64_t session_id) {
  // The old session survived (a network cut rather than a restart): it could still hold
  // row locks, or even commit late. Kill it and wait until it is gone.
  try {
    m_statement->execute(fmt::format("KILL CONNECTION {}", session_id));
  } catch (const sql::SQLException&) {  // NOLINT(bugprone-empty-catch): 1094 unknown thread: already gone
  }
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::unique_ptr<sql::ResultSet> alive(m_statement->executeQuery(fmt::format("{}{}", m_session_count_query, session_id)));
    alive->next();
    if (alive->getUInt64(1) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  commit_transaction(*m_statement);
}

void PurchaseWriter::rollback_quietly() noexcept {
  try {
    if (m_statement) rollback_transaction(*m_statement);
  } catch (...) {  // NOLINT(bugprone-empty-catch): a lost connection rolls back on the server anyway
  }
}

std::pair<uint64_t, bool> PurchaseWriter::run_returning_id(const std::string& sql, bool starts_with_stock_update) {
  // Connector/C++ 1.1 reports an update count of -1 for some statements in the middle of
  // a multi-statement (the first one's is right), so "-1" cannot mark the end. The list
  // always ends with the one SELECT: advance to its result set, read it, done.
  bool is_result = m_statement->execute(sql);
  const bool stock_taken = !starts_with_stock_update || m_statement->getUpdateCount() == 1;
  for (int skipped = 0; !is_result; ++skipped) {
    if (skipped > 16) throw Error("internal: no result set at the end of a multi-statement");
    is_result = m_statement->getMoreResults();
  }
  std::unique_ptr<sql::ResultSet> result(m_statement->getResultSet());
  if (!result->next()) throw Error("internal: LAST_INSERT_ID() returned no row");
  const uint64_t id = result->getUInt64(1);
  while (m_statement->getMoreResults()) {  // nothing follows the SELECT; make sure of it
  }
  return {id, stock_taken};
}

// One purchase, one round trip before COMMIT: a stock update that only succeeds with
// enough stock, the purchase row, and its id. The update's row count (the first result)
// tells the client whether to COMMIT or, when the item was short, roll the row back.
// A plain INSERT ... VALUES, not INSERT ... SELECT: InnoDB treats the latter as a bulk
// insert and takes a table-level AUTO-INC lock, which serialises writers and deadlocks
// (error 1467).
BatchOutcome PurchaseWriter::write_single(const Purchase& purchase) {
  m_first_row = purchase;
  m_sql.clear();
  if (purchase.completed) {
    fmt::format_to(std::back_inserter(m_sql),
                   "UPDATE items SET inventory = inventory - {}, inventory_updated_at = CURRENT_TIMESTAMP "
                   "WHERE id = {} AND inventory >= {};",
                   purchase.quantity, purchase.item_id, purchase.quantity);
  }
  m_sql.append(k_insert_columns).append("VALUES ");
  append_values(m_sql, purchase);
  m_sql += ";SELECT LAST_INSERT_ID()";
  const auto [first_id, sold] = run_returning_id(m_sql, purchase.completed);
  BatchOutcome outcome;
  if (!sold) {
    outcome.out_of_stock = 1;  // the caller rolls back: no row, no stock change
    return outcome;
  }
  outcome.rows = 1;
  outcome.first_id = first_id;
  if (purchase.completed) {
    outcome.completed = 1;
    outcome.quantity_sold = purchase.quantity;
  } else {
    outcome.abandoned = 1;
  }
  return outcome;
}

// Several purchases: lock the stock rows they need (in id order, so concurrent writers
// cannot deadlock on them), decide in order which completed purchases get their stock,
// then one UPDATE and one multi-row INSERT.
BatchOutcome PurchaseWriter::write_batch(std::span<const Purchase> batch) {
  std::vector<std::pair<uint64_t, int64_t>> stock;  // item id -> stock left, sorted by id
  for (const auto& purchase : batch) {
    if (purchase.completed) stock.emplace_back(purchase.item_id, 0);
  }
  std::sort(stock.begin(), stock.end());
  stock.erase(std::unique(stock.begin(), stock.end()), stock.end());
  const auto find = [&](uint64_t id) {
    return std::lower_bound(stock.begin(), stock.end(), std::pair<uint64_t, int64_t>{id, INT64_MIN});
  };
  if (!stock.empty()) {
    m_sql = "SELECT id, inventory FROM items WHERE id IN (";
    for (size_t i = 0; i < stock.size(); ++i) fmt::format_to(std::back_inserter(m_sql), "{}{}", i ? "," : "", stock[i].first);
    m_sql += ") FOR UPDATE";
    for (auto& entry : stock) entry.second = -1;  // an item without a row has no stock
    std::unique_ptr<sql::ResultSet> rows(m_statement->executeQuery(m_sql));
    while (rows->next()) find(rows->getUInt64(1))->second = rows->getInt64(2);
  }

  BatchOutcome outcome;
  std::vector<std::pair<uint64_t, uint64_t>> sold;  // item id -> quantity taken
  std::string values;
  for (const auto& purchase : batch) {
    if (purchase.completed) {
      auto& left = find(purchase.item_id)->second;
      if (left < static_cast<int64_t>(purchase.quantity)) {
        ++outcome.out_of_stock;
        continue;
      }
      left -= purchase.quantity;
      ++outcome.completed;
      outcome.quantity_sold += purchase.quantity;
      sold.emplace_back(purchase.item_id, purchase.quantity);
    } else {
      ++outcome.abandoned;
    }
    if (values.empty()) {
      m_first_row = purchase;  // gets the id LAST_INSERT_ID() reports
    } else {
      values += ',';
    }
    append_values(values, purchase);
    ++outcome.rows;
  }

  m_sql.clear();
  if (!sold.empty()) {
    std::sort(sold.begin(), sold.end());
    m_sql = "UPDATE items SET inventory = CASE id";
    std::string ids;
    for (size_t i = 0; i < sold.size();) {
      const uint64_t id = sold[i].first;
      uint64_t quantity = 0;
      for (; i < sold.size() && sold[i].first == id; ++i) quantity += sold[i].second;
      fmt::format_to(std::back_inserter(m_sql), " WHEN {} THEN inventory - {}", id, quantity);
      fmt::format_to(std::back_inserter(ids), "{}{}", ids.empty() ? "" : ",", id);
    }
    m_sql += " END, inventory_updated_at = CURRENT_TIMESTAMP WHERE id IN (" + ids + ");";
  }
  if (outcome.rows > 0) {
    m_sql.append(k_insert_columns).append("VALUES ").append(values);
    m_sql += ";SELECT LAST_INSERT_ID()";
    outcome.first_id = run_returning_id(m_sql, false).first;
  } else if (!m_sql.empty()) {
    m_statement->execute(m_sql);
  }
  return outcome;
}

BatchOutcome PurchaseWriter::write(std::span<const Purchase> batch) {
  if (!m_connection) connect();
  for (int attempt = 0;; ++attempt) {
    bool commit_sent = false;
    BatchOutcome outcome;
    try {
      outcome = batch.size() == 1 ? write_single(batch.front()) : write_batch(batch);
      if (outcome.rows == 0) {
        // Nothing to keep (all out of stock): undo a single purchase's row, release a
        // batch's locks. A lost ROLLBACK commits nothing either.
        rollback_transaction(*m_statement);
        return outcome;
      }
      commit_sent = true;
      commit_transaction(*m_statement);
      return outcome;
    } catch (const sql::SQLException& error) {
      if (is_connection_lost(error)) {
        m_statement.reset();
        m_connection.reset();
        throw ConnectionLost(describe_mysql_error(error), commit_sent, outcome, m_first_row);
      }
      rollback_quietly();
      if (is_retryable_conflict(error) && attempt < k_max_conflict_retries) {
        ++m_conflict_retries;
        continue;
      }
      throw Error(fmt::format("cannot write purchases to {} ({})", m_url.masked(), describe_mysql_error(error)));
    }
  }
}

bool PurchaseWriter::resolve(const ConnectionLost& lost) {
  const auto& pending = lost.pending();
  if (pending.rows == 0) return true;  // it wrote nothing: committed or not, nothing changed
  const auto& row = lost.first_row();
  std::unique_ptr<sql::ResultSet> found(m_statement->executeQuery(
      fmt::format("SELECT user_id, item_id, quantity, status FROM purchases WHERE id = {}", pending.first_id)));
  const bool committed = found->next() && found->getUInt64(1) == row.user_id && found->getUInt64(2) == row.item_id &&
                         found->getUInt(3) == row.quantity && found->getUInt(4) == (row.completed ? 1u : 0u);
  commit_transaction(*m_statement);
  return committed;
}

}  // namespace shop::purchases
