#pragma once
// MySQL connection URLs and password masking for any URL shown to a person.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop {

// TLS for MySQL connections, with the mysql client's option names and meanings
// (dev.mysql.com/doc/refman/8.4/en/connection-options.html#encrypted-connection-options):
//   DISABLED         no TLS
//   PREFERRED        TLS when the server offers it, else none (the default, as mysql's)
//   REQUIRED         TLS or no connection; the certificate is not checked
//   VERIFY_CA        REQUIRED, and the certificate chain must lead to ssl-ca (else the
//                    system's CA certificates)
//   VERIFY_IDENTITY  VERIFY_CA, and the certificate must name the host connected to
// As the mysql client, an ssl-ca given without ssl-mode means VERIFY_CA.
enum class MysqlSslMode { disabled, preferred, required, verify_ca, verify_identity };

[[nodiscard]] std::string_view mysql_ssl_mode_name(MysqlSslMode mode);  // "VERIFY_CA", ...
// Case-insensitive, as mysql's --ssl-mode; nullopt for an unknown name.
[[nodiscard]] std::optional<MysqlSslMode> parse_mysql_ssl_mode(std::string_view name);

struct MysqlTls {
  MysqlSslMode mode = MysqlSslMode::preferred;
  bool mode_given = false;  // by ssl-mode (not implied by the default or by ssl-ca)
  std::string ca;    // PEM file of the CA certificates to trust (ssl-ca)
  std::string cert;  // client certificate and its key, PEM files (ssl-cert, ssl-key)
  std::string key;
};

// mysql://[user[:password]@]host[:port][/database][?ssl-mode=M&ssl-ca=F&ssl-cert=F&ssl-key=F]
// (also mariadb://). User, password, database and query values may be percent-encoded;
// ssl_mode, ssl_ca, ... are accepted too, as mysql accepts both spellings of its options.
// The query follows the URI form of MySQL Shell and Connector/J
// (dev.mysql.com/doc/refman/8.4/en/connecting-using-uri-or-key-value-pairs.html).
// Defaults: user root, port 3306, database shop, ssl-mode PREFERRED.
struct MysqlUrl {
  std::string user = "root";
  std::string password;
  bool has_password = false;
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string database = "shop";
  MysqlTls tls;

  // The URL with the password replaced by "****" (never the password itself), and the
  // ssl-mode when it is not the default.
  [[nodiscard]] std::string masked() const;
};

// Parses a MySQL URL; throws UsageError naming `source` (e.g. "--mysql") and the problem.
// When the URL has no password, `fallback_password` (e.g. from MYSQL_PWD) is used.
// `fallback_tls` (e.g. from MYSQL_SSL_MODE, MYSQL_SSL_CA, ...) gives what the query leaves out.
[[nodiscard]] MysqlUrl parse_mysql_url(std::string_view text, std::string_view source,
                                       const std::string* fallback_password = nullptr,
                                       const MysqlTls& fallback_tls = {});

// Settles ssl-mode after every source is known: an ssl-ca without an ssl-mode given
// means VERIFY_CA. Throws UsageError naming `source` for ssl-cert without ssl-key or the
// reverse.
void settle_mysql_tls(MysqlTls& tls, std::string_view source);

// Replaces with "****" the password of every "scheme://user:password@host..." in the
// text (also when it holds unencoded '/', '?', '#' or '@') and the value of every libpq
// "password=..." keyword; anything else is returned unchanged. For any text shown to a
// person that may contain a connection string, e.g. a parse error echoing an argument.
[[nodiscard]] std::string mask_password(std::string_view url_or_conninfo);

// Decodes %XX escapes; throws UsageError on a malformed escape.
[[nodiscard]] std::string percent_decode(std::string_view text);

}  // namespace shop
