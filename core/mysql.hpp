#pragma once
// MySQL/MariaDB connections through MySQL Connector/C++ 1.1 (the JDBC-style API), with
// errors turned into one-line shop::Error messages that show the URL masked.
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>

#include <memory>
#include <string>

#include "core/url.hpp"

namespace shop {

struct MysqlConnectOptions {
  bool use_database = true;       // select url.database at connect time (it must exist)
  int connect_timeout_seconds = 10;
  // Lets LOAD DATA LOCAL INFILE send client files. Only for bulk loads: a server may ask
  // a client with this on for any file it can read, so enable it for the connection that
  // needs it and nothing else.
  bool allow_local_infile = false;
  // Several ';'-separated statements per execute(), one round trip for all of them.
  bool multi_statements = false;
};

// Connects or throws Error("cannot connect to MySQL at <masked url>[: <what a TLS failure
// means>] (<server message>)"), with TLS as url.tls says (url.hpp, MysqlSslMode).
// Sessions use UTC (time_zone = '+00:00') so TIMESTAMP values never depend on the server.
[[nodiscard]] std::unique_ptr<sql::Connection> connect_mysql(const MysqlUrl& url,
                                                             const MysqlConnectOptions& options = {});

// The cipher of the session ("" without TLS), from SHOW SESSION STATUS LIKE 'Ssl_cipher'.
[[nodiscard]] std::string mysql_session_tls(sql::Statement& statement);

// OpenSSL's certificate directory on Debian: VERIFY_CA's trust without an ssl-ca.
inline constexpr const char* k_system_ca_directory = "/etc/ssl/certs";

// Transactions through SQL statements, never Connection::commit()/rollback()/
// setAutoCommit(): Connector/C++ 1.1's Connection::commit() returns normally when the
// COMMIT fails (measured: a session killed before COMMIT, commit() silent, nothing
// stored), which would count lost work as committed. Statements throw SQLException.
void begin_transaction(sql::Statement& statement);     // START TRANSACTION
void commit_transaction(sql::Statement& statement);    // COMMIT
void rollback_transaction(sql::Statement& statement);  // ROLLBACK
void disable_autocommit(sql::Statement& statement);    // SET autocommit = 0: every statement joins a transaction

// "<message> (MySQL error <code>)" for a Connector/C++ exception, without a trailing newline.
[[nodiscard]] std::string describe_mysql_error(const sql::SQLException& error);

// Quotes an identifier with backticks (for database names taken from URLs).
[[nodiscard]] std::string quote_mysql_identifier(std::string_view name);

// Well-known client/server error numbers.
inline constexpr int k_mysql_access_denied = 1045;
inline constexpr int k_mysql_unknown_database = 1049;
inline constexpr int k_mysql_no_such_table = 1146;
// LOAD DATA LOCAL refused: MariaDB/MySQL server (1148), MySQL 8 server (3948), MariaDB
// 10.6+ server with local_infile=OFF (4166), client (2068).
[[nodiscard]] bool is_local_infile_refused(const sql::SQLException& error);
// The connection is gone (server restarted, network lost, session killed): reconnect.
[[nodiscard]] bool is_connection_lost(const sql::SQLException& error);
// A conflict that rolled the statement or transaction back and succeeds when retried:
// deadlock (1213), lock wait timeout (1205).
[[nodiscard]] bool is_retryable_conflict(const sql::SQLException& error);

}  // namespace shop
