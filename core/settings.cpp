#include "core/settings.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "core/postgres.hpp"

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

namespace {

// The TLS settings of the environment, under the URL's query. MYSQL_PWD is the mysql
// client's own variable; it reads no TLS variables, so these follow its option names.
MysqlTls mysql_tls_from_environment(const Environment& env) {
  MysqlTls tls;
  if (auto mode = env("MYSQL_SSL_MODE")) {
    const auto parsed = parse_mysql_ssl_mode(*mode);
    if (!parsed) {
      throw UsageError(fmt::format(
          "MYSQL_SSL_MODE: unknown ssl-mode '{}' (expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY)",
          *mode));
    }
    tls.mode = *parsed;
    tls.mode_given = true;
  }
  if (auto ca = env("MYSQL_SSL_CA")) tls.ca = *ca;
  if (auto cert = env("MYSQL_SSL_CERT")) tls.cert = *cert;
  if (auto key = env("MYSQL_SSL_KEY")) tls.key = *key;
  return tls;
}

// A missing or unreadable file is the user's to fix (exit 2), before anything connects.
void check_readable(const std::string& path, std::string_view option, std::string_view source) {
  if (path.empty()) return;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw UsageError(fmt::format("{}: {}: {} is a directory, not a PEM file", source, option, path));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw UsageError(fmt::format("{}: {}: cannot read {} ({})", source, option, path, std::strerror(errno)));
  }
}

}  // namespace

MysqlUrl mysql_url_from(std::string_view flag, const Environment& env) {
  const Setting setting = resolve_mysql_url(flag, env);
  const auto password = env("MYSQL_PWD");
  MysqlUrl url = parse_mysql_url(setting.value, setting.source, password ? &*password : nullptr,
                                 mysql_tls_from_environment(env));
  settle_mysql_tls(url.tls, setting.source);
  if (url.tls.mode != MysqlSslMode::disabled) {  // DISABLED ignores them, as mysql does
    check_readable(url.tls.ca, "ssl-ca", setting.source);
    check_readable(url.tls.cert, "ssl-cert", setting.source);
    check_readable(url.tls.key, "ssl-key", setting.source);
  }
  return url;
}

Setting resolve_kafka_brokers(std::string_view flag, const Environment& env) {
  return resolve_setting(flag, "--brokers", "KAFKA_BROKERS", k_default_kafka_brokers, env);
}

Setting resolve_postgres_url(std::string_view flag, const Environment& env) {
  if (!flag.empty()) {
    check_postgres_conninfo(flag, "--url");
    return {std::string(flag), "--url"};
  }
  if (auto url = env("DATABASE_URL")) {
    check_postgres_conninfo(*url, "DATABASE_URL");
    return {*url, "DATABASE_URL"};
  }
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
  // sasl.jaas.config: a Java client's file carries the password inside it (kcat converts
  // it; librdkafka itself does not know the property, and says so quoting only the key).
  for (const std::string_view word :
       {"password", "secret", "sasl.oauthbearer.config", "sasl.jaas.config", "ssl.key.pem", "ssl_key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string kafka_property_for_display(std::string_view key, std::string_view value) {
  return fmt::format("{}={}", key, kafka_property_is_secret(key) ? std::string_view("****") : value);
}

}  // namespace shop
