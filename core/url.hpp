#pragma once
// MySQL connection URLs and password masking for any URL shown to a person.
#include <cstdint>
#include <string>
#include <string_view>

namespace shop {

// mysql://[user[:password]@]host[:port][/database]  (also mariadb://). User, password
// and database may be percent-encoded. Defaults: user root, port 3306, database shop.
struct MysqlUrl {
  std::string user = "root";
  std::string password;
  bool has_password = false;
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string database = "shop";

  // The URL with the password replaced by "****" (never the password itself).
  [[nodiscard]] std::string masked() const;
};

// Parses a MySQL URL; throws UsageError naming `source` (e.g. "--mysql") and the problem.
// When the URL has no password, `fallback_password` (e.g. from MYSQL_PWD) is used.
[[nodiscard]] MysqlUrl parse_mysql_url(std::string_view text, std::string_view source,
                                       const std::string* fallback_password = nullptr);

// Replaces with "****" the password of every "scheme://user:password@host..." in the
// text (also when it holds unencoded '/', '?', '#' or '@') and the value of every libpq
// "password=..." keyword; anything else is returned unchanged. For any text shown to a
// person that may contain a connection string, e.g. a parse error echoing an argument.
[[nodiscard]] std::string mask_password(std::string_view url_or_conninfo);

// Decodes %XX escapes; throws UsageError on a malformed escape.
[[nodiscard]] std::string percent_decode(std::string_view text);

}  // namespace shop
