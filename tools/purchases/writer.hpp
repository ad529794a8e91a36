#pragma once
// Writes batches of purchases exactly: a completed purchase and its stock decrement
// commit together, an item short of stock is not sold, and a COMMIT whose outcome was
// lost with the connection is resolved, not guessed.
#include <cppconn/connection.h>
#include <cppconn/statement.h>

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/url.hpp"
#include "purchase.hpp"

namespace shop::purchases {

struct BatchOutcome {
  uint64_t rows = 0;           // purchase rows inserted: completed (sold) + abandoned
  uint64_t completed = 0;      // sold, stock decremented
  uint64_t abandoned = 0;      // status 0, stock untouched
  uint64_t out_of_stock = 0;   // not sold: not enough stock
  uint64_t quantity_sold = 0;  // units taken from stock
  uint64_t first_id = 0;       // id of the first inserted row (0 when none)

  BatchOutcome& operator+=(const BatchOutcome& other);
};

// The connection went away. `commit_sent`: the outcome of the COMMIT is unknown and must
// be resolved with PurchaseWriter::resolve() after reconnecting; otherwise the server has
// rolled the transaction back (nothing was committed).
class ConnectionLost : public std::runtime_error {
 public:
  ConnectionLost(const std::string& reason, bool commit_sent, BatchOutcome pending, Purchase first_row)
      : std::runtime_error(reason), m_commit_sent(commit_sent), m_pending(pending), m_first_row(first_row) {}
  [[nodiscard]] bool commit_sent() const noexcept { return m_commit_sent; }
  [[nodiscard]] const BatchOutcome& pending() const noexcept { return m_pending; }
  [[nodiscard]] const Purchase& first_row() const noexcept { return m_first_row; }

 private:
  bool m_commit_sent;
  BatchOutcome m_pending;
  Purchase m_first_row;
};

// The query (ending in "ID = ", the session id to be appended) that counts a session
// still on the server: performance_schema.processlist on MySQL with the Performance
// Schema on, else information_schema.PROCESSLIST (MariaDB, or MySQL without it).
[[nodiscard]] std::string session_count_query(std::string_view server_version, bool performance_schema_on);

class PurchaseWriter {
 public:
  explicit PurchaseWriter(MysqlUrl url) : m_url(std::move(url)) {}

  // (Re)connects; throws Error when the server cannot be reached. A previous session of
  // this writer on the same server instance is killed, so it can neither hold locks nor
  // commit late (after a restart it is gone anyway, and its id may be someone else's).
  void connect();
  [[nodiscard]] bool connected() const noexcept { return m_connection != nullptr; }

  // Writes and commits one batch (1 purchase: 2 round trips; more: 3). Deadlocks and lock
  // wait timeouts are retried. Throws ConnectionLost, or Error for anything else.
  BatchOutcome write(std::span<const Purchase> batch);

  // After a ConnectionLost with commit_sent() and a new connect(): whether that
  // transaction committed, read from the purchases table by its first row's id.
  [[nodiscard]] bool resolve(const ConnectionLost& lost);

  [[nodiscard]] uint64_t conflict_retries() const noexcept { return m_conflict_retries; }

 private:
  BatchOutcome write_single(const Purchase& purchase);
  BatchOutcome write_batch(std::span<const Purchase> batch);
  // Runs ;-separated statements ending in "SELECT LAST_INSERT_ID()": returns that id and,
  // when the first statement is the conditional stock update, whether it took the stock.
  std::pair<uint64_t, bool> run_returning_id(const std::string& sql, bool starts_with_stock_update);
  void kill_session(uint64_t session_id);
  void rollback_quietly() noexcept;

  MysqlUrl m_url;
  std::unique_ptr<sql::Connection> m_connection;
  std::unique_ptr<sql::Statement> m_statement;
  uint64_t m_session_id = 0;
  int64_t m_server_boot = 0;  // the server's start, epoch seconds: tells a restart from a network cut
  std::string m_session_count_query;  // session_count_query() for this server, id appended
  uint64_t m_conflict_retries = 0;
  std::string m_sql;      // reused buffer
  Purchase m_first_row{};  // the purchase of the current transaction's first inserted row
};

}  // namespace shop::purchases
