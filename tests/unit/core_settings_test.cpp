#include "core/settings.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/error.hpp"

namespace {
shop::Environment fake_env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(std::string(name));
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}
}  // namespace

TEST(Settings, FlagBeatsEnvironmentBeatsDefault) {
  const auto env = fake_env({{"MYSQL_URL", "mysql://env@h/e"}});
  auto setting = shop::resolve_mysql_url("mysql://flag@h/f", env);
  EXPECT_EQ(setting.value, "mysql://flag@h/f");
  EXPECT_EQ(setting.source, "--mysql");
  setting = shop::resolve_mysql_url("", env);
  EXPECT_EQ(setting.value, "mysql://env@h/e");
  EXPECT_EQ(setting.source, "MYSQL_URL");
  setting = shop::resolve_mysql_url("", fake_env({}));
  EXPECT_EQ(setting.value, "mysql://root@127.0.0.1:3306/shop");
  EXPECT_EQ(setting.source, "default");
}

TEST(Settings, MysqlPasswordComesFromMysqlPwdWhenTheUrlHasNone) {
  const auto env = fake_env({{"MYSQL_URL", "mysql://app@db:3307/shop"}, {"MYSQL_PWD", "pw"}});
  const auto url = shop::mysql_url_from("", env);
  EXPECT_EQ(url.user, "app");
  EXPECT_EQ(url.password, "pw");
  EXPECT_EQ(url.port, 3307);
}

TEST(Settings, BadUrlNamesWhereItCameFrom) {
  const auto env = fake_env({{"MYSQL_URL", "nonsense"}});
  try {
    (void)shop::mysql_url_from("", env);
    FAIL() << "accepted";
  } catch (const shop::UsageError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("MYSQL_URL: ", 0), 0u) << error.what();
  }
}

TEST(Settings, MysqlTlsFromTheEnvironmentUnderTheUrlsQuery) {
  const auto env = fake_env({{"MYSQL_URL", "mysql://app@db/shop?ssl-mode=VERIFY_IDENTITY"},
                             {"MYSQL_SSL_MODE", "required"},
                             {"MYSQL_SSL_CA", "/dev/null"}});
  const auto url = shop::mysql_url_from("", env);
  EXPECT_EQ(url.tls.mode, shop::MysqlSslMode::verify_identity);  // the URL wins
  EXPECT_EQ(url.tls.ca, "/dev/null");                            // the environment fills in
  EXPECT_EQ(shop::mysql_url_from("", fake_env({{"MYSQL_SSL_CA", "/dev/null"}})).tls.mode,
            shop::MysqlSslMode::verify_ca);
}

TEST(Settings, MysqlTlsBadInputIsAUsageErrorNamingTheOption) {
  const std::pair<std::map<std::string, std::string>, const char*> cases[] = {
      {{{"MYSQL_SSL_MODE", "strict"}}, "MYSQL_SSL_MODE: unknown ssl-mode 'strict'"},
      {{{"MYSQL_URL", "mysql://h/shop?ssl-ca=/nonexistent/ca.pem"}}, "MYSQL_URL: ssl-ca: cannot read /nonexistent/ca.pem (No such file or directory)"},
      {{{"MYSQL_SSL_CERT", "/nonexistent/c.pem"}, {"MYSQL_SSL_KEY", "/dev/null"}}, "default: ssl-cert: cannot read /nonexistent/c.pem"},
      {{{"MYSQL_SSL_CA", "/"}}, "ssl-ca: / is a directory"},
      {{{"MYSQL_SSL_KEY", "/dev/null"}}, "ssl-key needs ssl-cert"},
  };
  for (const auto& [values, expected] : cases) {
    try {
      (void)shop::mysql_url_from("", fake_env(values));
      ADD_FAILURE() << "accepted " << expected;
    } catch (const shop::UsageError& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  }
  // DISABLED ignores the files, as mysql does.
  EXPECT_NO_THROW((void)shop::mysql_url_from("mysql://h/shop?ssl-mode=DISABLED&ssl-ca=/nonexistent", fake_env({})));
}

TEST(Settings, KafkaBrokers) {
  EXPECT_EQ(shop::resolve_kafka_brokers("", fake_env({})).value, "127.0.0.1:9092");
  EXPECT_EQ(shop::resolve_kafka_brokers("", fake_env({{"KAFKA_BROKERS", "b:1"}})).value, "b:1");
  EXPECT_EQ(shop::resolve_kafka_brokers("f:2", fake_env({{"KAFKA_BROKERS", "b:1"}})).value, "f:2");
}

TEST(Settings, PostgresUrlPrecedenceIncludesLibpqVariables) {
  EXPECT_EQ(shop::resolve_postgres_url("", fake_env({})).value, "postgres://materialize@127.0.0.1:6875/materialize");
  const auto pg = shop::resolve_postgres_url("", fake_env({{"PGHOST", "h"}}));
  EXPECT_EQ(pg.value, "");  // libpq reads PG* itself
  EXPECT_EQ(pg.source, "PG* environment");
  EXPECT_EQ(shop::resolve_postgres_url("", fake_env({{"DATABASE_URL", "postgres://d"}, {"PGHOST", "h"}})).value,
            "postgres://d");
  EXPECT_EQ(shop::resolve_postgres_url("postgres://f", fake_env({{"DATABASE_URL", "postgres://d"}})).value,
            "postgres://f");
}

TEST(Settings, KafkaPropertiesAreKeyEqualsValue) {
  EXPECT_EQ(shop::parse_kafka_property("linger.ms=5"), (std::pair<std::string, std::string>{"linger.ms", "5"}));
  EXPECT_EQ(shop::parse_kafka_property("a=b=c").second, "b=c");
  EXPECT_EQ(shop::parse_kafka_property("empty=").second, "");
  EXPECT_THROW((void)shop::parse_kafka_property("novalue"), shop::UsageError);
  EXPECT_THROW((void)shop::parse_kafka_property("=x"), shop::UsageError);
}
