#include "core/mysql.hpp"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/core.h>
#include <mysql_driver.h>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
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
// Why a TCP connection to host:port fails, in words ("connection refused"), or "" when
// it does not. libmariadb's "Can't connect to server on 'H' (115)" gives the errno of its
// non-blocking connect(), EINPROGRESS, whatever the real cause was: a connection of our
// own (bounded by one second) finds it.
std::string tcp_connect_failure(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int status = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); status != 0) {
    return fmt::format("cannot resolve host {} ({})", host, ::gai_strerror(status));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  std::string reason;
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) continue;
    int error = 0;
    if (::connect(fd, address->ai_addr, address->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        pollfd wait{fd, POLLOUT, 0};
        const int ready = ::poll(&wait, 1, 1000);
        socklen_t length = sizeof error;
        if (ready == 0) {
          error = ETIMEDOUT;
        } else if (ready < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
          error = errno;
        }
      }
    }
    ::close(fd);
    if (error == 0) return "";  // reachable: the failure is something else
    reason = std::strerror(error);
  }
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  return reason;
}

// libmariadb's connect errors end in " (N)", an errno (or getaddrinfo code) that
// tcp_connect_failure() words correctly: drop it ("Can't connect to server on '127.0.0.1' (115)" -> "... on '127.0.0.1'").
std::string without_errno_suffix(std::string message) {
  const size_t open = message.rfind(" (");
  const size_t digits = open == std::string::npos ? open : open + (message[open + 2] == '-' ? 3 : 2);
  if (open != std::string::npos && message.back() == ')' && digits + 1 < message.size() &&
      message.find_first_not_of("0123456789", digits) == message.size() - 1) {
    message.erase(open);
  }
  return message;
}

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
    case 2002:  // CR_CONNECTION_ERROR (libmariadb gives it for TCP too)
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST: its "(-2)" is getaddrinfo's EAI_NONAME
      if (const std::string reason = tcp_connect_failure(url.host, url.port); !reason.empty()) return ": " + reason;
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
    const std::string why = explain_connect_failure(error, url);
    std::string detail = describe_mysql_error(error);
    if (error.getErrorCode() == 2002 || error.getErrorCode() == 2003 || error.getErrorCode() == 2005) {
      // "(115)" said nothing true once `why` names the cause.
      detail = without_errno_suffix(std::string(error.what())) + fmt::format(" (MySQL error {})", error.getErrorCode());
      if (why.empty()) detail = describe_mysql_error(error);
    }
    throw Error(fmt::format("cannot connect to MySQL at {}{} ({})", url.masked(), why, detail));
  }
}

std::string mysql_session_tls(sql::Statement& statement) {
  std::unique_ptr<sql::ResultSet> cipher(statement.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'"));
  return cipher->next() ? std::string(cipher->getString(2)) : std::string();
}

}  // namespace shop
