#include "core/settings.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

#include "core/error.hpp"

namespace shop {

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Setting resolve_setting(std::string_view flag_value, std::string_view flag_name,
                        std::string_view env_name, std::string_view fallback, const Environment& env) {
  if (!flag_value.empty()) return {std::string(flag_value), std::string(flag_name)};
  if (auto from_env = env(env_name)) return {*from_env, std::string(env_name)};
  return {std::string(fallback), "default"};
}

Setting resolve_mysql_url(std::string_view flag, const Environment& env) {
  return resolve_setting(flag, "--mysql", "MYSQL_URL", k_default_mysql_url, env);
}

MysqlUrl mysql_url_from(std::string_view flag, const Environment& env) {
  const Setting setting = resolve_mysql_url(flag, env);
  const auto password = env("MYSQL_PWD");
  return parse_mysql_url(setting.value, setting.source, password ? &*password : nullptr);
}

Setting resolve_kafka_brokers(std::string_view flag, const Environment& env) {
  return resolve_setting(flag, "--brokers", "KAFKA_BROKERS", k_default_kafka_brokers, env);
}

Setting resolve_postgres_url(std::string_view flag, const Environment& env) {
  if (!flag.empty()) return {std::string(flag), "--url"};
  if (auto url = env("DATABASE_URL")) return {*url, "DATABASE_URL"};
  for (const char* name : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE"}) {
    // libpq reads these itself from an empty conninfo string.
    if (env(name)) return {"", "PG* environment"};
  }
  return {std::string(k_default_postgres_url), "default"};
}

std::pair<std::string, std::string> parse_kafka_property(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    if (kafka_property_is_secret(text)) throw UsageError("-X: expected key=value (the text is not shown: it may hold a secret)");
    throw UsageError("-X: expected key=value, got '" + std::string(text) + "'");
  }
  return {std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

bool kafka_property_is_secret(std::string_view key) {
  std::string lower(key);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string_view word : {"password", "secret", "sasl.oauthbearer.config", "ssl.key.pem", "ssl_key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string kafka_property_for_display(std::string_view key, std::string_view value) {
  return fmt::format("{}={}", key, kafka_property_is_secret(key) ? std::string_view("****") : value);
}

}  // namespace shop
