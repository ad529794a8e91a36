#include "core/mysql.hpp"

#include <cppconn/statement.h>
#include <fmt/core.h>
#include <mysql_driver.h>

#include <mutex>

#include "core/error.hpp"

namespace shop {

std::string describe_mysql_error(const sql::SQLException& error) {
  std::string message = error.what();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (error.getErrorCode() != 0) message += fmt::format(" (MySQL error {})", error.getErrorCode());
  return message;
}

std::string quote_mysql_identifier(std::string_view name) {
  std::string quoted = "`";
  for (const char c : name) {
    if (c == '`') quoted += '`';
    quoted += c;
  }
  quoted += '`';
  return quoted;
}

void begin_transaction(sql::Statement& statement) { statement.execute("START TRANSACTION"); }
void commit_transaction(sql::Statement& statement) { statement.execute("COMMIT"); }
void rollback_transaction(sql::Statement& statement) { statement.execute("ROLLBACK"); }
void disable_autocommit(sql::Statement& statement) { statement.execute("SET autocommit = 0"); }

bool is_local_infile_refused(const sql::SQLException& error) {
  const int code = error.getErrorCode();
  return code == 1148 || code == 3948 || code == 4166 || code == 2068;
}

bool is_connection_lost(const sql::SQLException& error) {
  switch (error.getErrorCode()) {
    case 1053:  // server shutdown in progress
    case 1927:  // connection was killed
    case 2002:  // can't connect (socket)
    case 2003:  // can't connect (TCP)
    case 2006:  // server has gone away
    case 2013:  // lost connection during query
    case 2055:  // lost connection at '...'
    case 4031:  // disconnected by the server (inactivity)
      return true;
    default:
      return false;
  }
}

bool is_retryable_conflict(const sql::SQLException& error) {
  return error.getErrorCode() == 1213 || error.getErrorCode() == 1205;
}

std::unique_ptr<sql::Connection> connect_mysql(const MysqlUrl& url, const MysqlConnectOptions& options) {
  // The driver singleton's first use is not thread-safe.
  static std::once_flag driver_once;
  static sql::mysql::MySQL_Driver* driver = nullptr;
  std::call_once(driver_once, [] { driver = sql::mysql::get_mysql_driver_instance(); });

  sql::ConnectOptionsMap properties;
  // Connector/C++ 1.1 splits a bare IPv6 address at its first ':'; brackets keep it whole.
  properties["hostName"] = sql::SQLString(url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host);
  properties["port"] = static_cast<int>(url.port);
  properties["userName"] = sql::SQLString(url.user);
  properties["password"] = sql::SQLString(url.password);
  if (options.use_database) properties["schema"] = sql::SQLString(url.database);
  properties["OPT_CONNECT_TIMEOUT"] = options.connect_timeout_seconds;
  properties["OPT_RECONNECT"] = false;  // a silent reconnect would hide a lost transaction
  properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  if (options.allow_local_infile) properties["OPT_LOCAL_INFILE"] = 1;
  if (options.multi_statements) properties["CLIENT_MULTI_STATEMENTS"] = true;
  try {
    std::unique_ptr<sql::Connection> connection(driver->connect(properties));
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    statement->execute("SET time_zone = '+00:00'");
    return connection;
  } catch (const sql::SQLException& error) {
    throw Error(fmt::format("cannot connect to MySQL at {} ({})", url.masked(), describe_mysql_error(error)));
  }
}

}  // namespace shop
