#pragma once
// Connection settings from a flag, else an environment variable, else the compose default
// (DESIGN.md "Conventions"). Every lookup of the environment goes through an Environment
// so tests can supply their own.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/url.hpp"

namespace shop {

// Returns the value of an environment variable, or nullopt when unset.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment (getenv). An empty value counts as unset.
[[nodiscard]] Environment process_environment();

// A resolved setting and where it came from ("--mysql", "MYSQL_URL", "default"), so
// messages can say which one was wrong.
struct Setting {
  std::string value;
  std::string source;
};

// flag (an empty value means "not given") → environment variable → fallback.
[[nodiscard]] Setting resolve_setting(std::string_view flag_value, std::string_view flag_name,
                                      std::string_view env_name, std::string_view fallback, const Environment& env);

inline constexpr std::string_view k_default_mysql_url = "mysql://root@127.0.0.1:3306/shop";
inline constexpr std::string_view k_default_kafka_brokers = "127.0.0.1:9092";
inline constexpr std::string_view k_default_postgres_url = "postgres://materialize@127.0.0.1:6875/materialize";

// --mysql / MYSQL_URL / default.
[[nodiscard]] Setting resolve_mysql_url(std::string_view flag, const Environment& env);
// resolve_mysql_url() parsed, with MYSQL_PWD as the password when the URL has none and
// MYSQL_SSL_MODE, MYSQL_SSL_CA, MYSQL_SSL_CERT, MYSQL_SSL_KEY for what its query does not
// set. Throws UsageError naming where the bad URL came from, and for a TLS file that
// cannot be read.
[[nodiscard]] MysqlUrl mysql_url_from(std::string_view flag, const Environment& env);
// --brokers / KAFKA_BROKERS / default.
[[nodiscard]] Setting resolve_kafka_brokers(std::string_view flag, const Environment& env);
// --url / DATABASE_URL / libpq's PG* variables (value "" = let libpq read them) / default.
[[nodiscard]] Setting resolve_postgres_url(std::string_view flag, const Environment& env);

// Splits a kcat-style "-X key=value" librdkafka property; UsageError when there is no '='
// or the key is empty.
[[nodiscard]] std::pair<std::string, std::string> parse_kafka_property(std::string_view text);

// True for librdkafka properties that hold secrets (sasl.password, ssl.key.password,
// sasl.oauthbearer.client.secret, sasl.jaas.config, ...): their values are never printed.
[[nodiscard]] bool kafka_property_is_secret(std::string_view key);

// "key=value" for messages, with a secret's value shown as ****.
[[nodiscard]] std::string kafka_property_for_display(std::string_view key, std::string_view value);

}  // namespace shop
