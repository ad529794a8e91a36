#include "core/mysql.hpp"

#include <cppconn/resultset.h>
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

namespace {

// ssl-mode in Connector/C++ 1.1 on Debian, which is built on MariaDB Connector/C 3.3
// (libmariadb), measured against the harness's TLS MariaDB (tests/integration/
// mysql_tls_test.sh keeps these true):
// - OPT_SSL_MODE is accepted and does nothing: libmariadb has no MYSQL_OPT_SSL_MODE.
// - sslEnforce uses TLS when the server offers it and goes on without when it does not:
//   PREFERRED, not REQUIRED. So REQUIRED and VERIFY_CA check after connecting that the
//   session is encrypted (session_uses_tls).
// - sslCA (or sslCAPath) alone verifies the chain, not the host name: VERIFY_CA.
// - sslVerify verifies chain and host name, and refuses a server without TLS during the
//   handshake ("SSL is required, but the server does not support it"): VERIFY_IDENTITY.
//   Without a CA it trusts OpenSSL's default store, the system's CA certificates.
// Source of the host check: mariadb-connector-c, libmariadb/secure/openssl.c,
// ma_tls_verify_server_cert() ("Validation of SSL server certificate failed").
void set_tls_properties(sql::ConnectOptionsMap& properties, const MysqlTls& tls) {
  if (tls.mode == MysqlSslMode::disabled) return;
  properties["sslEnforce"] = true;
  if (!tls.ca.empty()) {
    properties["sslCA"] = sql::SQLString(tls.ca);
  } else if (tls.mode == MysqlSslMode::verify_ca) {
    properties["sslCAPath"] = sql::SQLString(k_system_ca_directory);
  }
  if (tls.mode == MysqlSslMode::verify_identity) properties["sslVerify"] = true;
  if (!tls.cert.empty()) {
    properties["sslCert"] = sql::SQLString(tls.cert);
    properties["sslKey"] = sql::SQLString(tls.key);
  }
}

bool session_uses_tls(sql::Statement& statement) { return !mysql_session_tls(statement).empty(); }

// What a TLS failure means, for the one line the user reads (" : ..." or "").
std::string explain_connect_failure(const sql::SQLException& error, const MysqlUrl& url) {
  const std::string message = error.what();
  const std::string_view mode = mysql_ssl_mode_name(url.tls.mode);
  const std::string trusted = url.tls.ca.empty() ? "the system's CA certificates" : "ssl-ca " + url.tls.ca;
  switch (error.getErrorCode()) {
    case 3159:  // MySQL: ER_SECURE_TRANSPORT_REQUIRED
      return fmt::format(": the server requires TLS, and ssl-mode is {}", mode);
    case 1045:  // MariaDB answers a client without TLS this way under require_secure_transport
      if (url.tls.mode == MysqlSslMode::disabled) {
        return ": access denied; with ssl-mode DISABLED, a server that requires TLS also refuses this way";
      }
      return "";
    case 2026:  // CR_SSL_CONNECTION_ERROR
      if (message.find("Validation of SSL server certificate failed") != std::string::npos) {
        return fmt::format(": the server's certificate does not name host {} (ssl-mode {} checks it)", url.host, mode);
      }
      if (message.find("does not support it") != std::string::npos) {
        return fmt::format(": the server does not offer TLS, and ssl-mode {} needs it", mode);
      }
      if (message.find("certificate") != std::string::npos) {
        return fmt::format(": the server's certificate is not signed by {} (ssl-mode {})", trusted, mode);
      }
      return ": TLS failed";
    default:
      return "";
  }
}

}  // namespace

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
  set_tls_properties(properties, url.tls);
  try {
    std::unique_ptr<sql::Connection> connection(driver->connect(properties));
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    statement->execute("SET time_zone = '+00:00'");
    if (url.tls.mode >= MysqlSslMode::required && !session_uses_tls(*statement)) {
      throw Error(fmt::format("cannot connect to MySQL at {}: the server does not offer TLS, and ssl-mode {} needs it",
                              url.masked(), mysql_ssl_mode_name(url.tls.mode)));
    }
    return connection;
  } catch (const sql::SQLException& error) {
    throw Error(fmt::format("cannot connect to MySQL at {}{} ({})", url.masked(), explain_connect_failure(error, url),
                            describe_mysql_error(error)));
  }
}

std::string mysql_session_tls(sql::Statement& statement) {
  std::unique_ptr<sql::ResultSet> cipher(statement.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'"));
  return cipher->next() ? std::string(cipher->getString(2)) : std::string();
}

}  // namespace shop
