#include "core/url.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using shop::mask_password;
using shop::parse_mysql_url;
using shop::UsageError;

TEST(MysqlUrl, ParsesEveryPart) {
  const auto url = parse_mysql_url("mysql://shopper:s3cret@db.example:3307/orders", "--mysql");
  EXPECT_EQ(url.user, "shopper");
  EXPECT_EQ(url.password, "s3cret");
  EXPECT_TRUE(url.has_password);
  EXPECT_EQ(url.host, "db.example");
  EXPECT_EQ(url.port, 3307);
  EXPECT_EQ(url.database, "orders");
}

TEST(MysqlUrl, AppliesDefaults) {
  const auto url = parse_mysql_url("mysql://localhost", "--mysql");
  EXPECT_EQ(url.user, "root");
  EXPECT_FALSE(url.has_password);
  EXPECT_EQ(url.port, 3306);
  EXPECT_EQ(url.database, "shop");
  EXPECT_EQ(parse_mysql_url("mariadb://h/", "x").database, "shop");
}

TEST(MysqlUrl, DecodesPercentEscapes) {
  const auto url = parse_mysql_url("mysql://us%40er:p%3Aw%2Fd%40@h/my%20db", "--mysql");
  EXPECT_EQ(url.user, "us@er");
  EXPECT_EQ(url.password, "p:w/d@");
  EXPECT_EQ(url.database, "my db");
}

TEST(MysqlUrl, AcceptsBracketedIpv6Hosts) {
  const auto url = parse_mysql_url("mysql://root@[::1]:3310/shop", "--mysql");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 3310);
  EXPECT_EQ(url.masked(), "mysql://root@[::1]:3310/shop");
}

TEST(MysqlUrl, UsesTheFallbackPasswordOnlyWhenTheUrlHasNone) {
  const std::string from_env = "envpw";
  EXPECT_EQ(parse_mysql_url("mysql://root@h/shop", "x", &from_env).password, "envpw");
  EXPECT_EQ(parse_mysql_url("mysql://root:urlpw@h/shop", "x", &from_env).password, "urlpw");
}

TEST(MysqlUrl, RejectsMalformedUrlsNamingTheSourceWithoutThePassword) {
  // Found by fuzzing (tests/fuzz/corpus/fuzz_url): a password with a space or a quote, no
  // scheme at all, and a mistyped scheme that swallowed the password.
  for (const char* bad : {"localhost:3306", "postgres://h/db", "mysql://", "mysql://u:topsecret@h:0/db",
                          "mysql://u:it's topsecret@h:0/db", "root:topsecret@db:3306/shop", "mysql//u:topsecret@h/db", "my sql://u:topsecret@h/db",
                          "mysql://u:topsecret@h:70000/db", "mysql://u:topsecret@h:12ab/db", "mysql://@h/db",
                          "mysql://h/db/extra", "mysql://h/db?ssl=1", "mysql://[::1/db", "mysql://u:p%zz@h/db"}) {
    try {
      (void)parse_mysql_url(bad, "--mysql");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UsageError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind("--mysql: ", 0), 0u) << message;
      EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
      EXPECT_EQ(error.exit_code(), shop::ExitCode::usage);
    }
  }
}

TEST(MysqlUrl, MaskedNeverShowsThePassword) {
  const auto url = parse_mysql_url("mysql://root:hunter2@127.0.0.1:3306/shop", "--mysql");
  EXPECT_EQ(url.masked(), "mysql://root:****@127.0.0.1:3306/shop");
  EXPECT_EQ(parse_mysql_url("mysql://root@127.0.0.1/shop", "x").masked(), "mysql://root@127.0.0.1:3306/shop");
}

TEST(MaskPassword, MasksUrlsAndConninfo) {
  EXPECT_EQ(mask_password("postgres://materialize:pw@127.0.0.1:6875/materialize"),
            "postgres://materialize:****@127.0.0.1:6875/materialize");
  EXPECT_EQ(mask_password("postgres://materialize@127.0.0.1:6875/materialize"),
            "postgres://materialize@127.0.0.1:6875/materialize");
  EXPECT_EQ(mask_password("host=h user=u password=secret dbname=d"), "host=h user=u password=**** dbname=d");
  EXPECT_EQ(mask_password("host=h password='a b c' port=1"), "host=h password=**** port=1");
  EXPECT_EQ(mask_password("postgres://u@h/db?password=secret&sslmode=disable"),
            "postgres://u@h/db?password=****&sslmode=disable");
  EXPECT_EQ(mask_password("postgres://u:p@ss@h/db"), "postgres://u:****@h/db");
}

TEST(MaskPassword, MasksPasswordsWithUnencodedSpecialCharacters) {
  EXPECT_EQ(mask_password("mysql://u:pa/ss@h/db"), "mysql://u:****@h/db");
  EXPECT_EQ(mask_password("mysql://u:pa?ss@h/db"), "mysql://u:****@h/db");
  EXPECT_EQ(mask_password("mysql://u:pa#ss@h:0/db"), "mysql://u:****@h:0/db");
  EXPECT_EQ(mask_password("mysql://u:p@ss@h"), "mysql://u:****@h");
}

TEST(MaskPassword, MasksEveryUrlInAMessageAndLeavesTheRestAlone) {
  EXPECT_EQ(mask_password("The following argument was not expected: mysql://u:secret@h/db"),
            "The following argument was not expected: mysql://u:****@h/db");
  EXPECT_EQ(mask_password("from mysql://a:one@h1/x to postgres://b:two@h2/y"),
            "from mysql://a:****@h1/x to postgres://b:****@h2/y");
  const std::string plain = "cannot connect to MySQL at mysql://root@127.0.0.1:1/x (Access denied for 'root'@'h')";
  EXPECT_EQ(mask_password(plain), plain);
}

TEST(MaskPassword, MasksLibpqKeywordsWithSpacesAndEscapedQuotes) {
  EXPECT_EQ(mask_password("host=h password = secret user=u"), "host=h password = **** user=u");
  EXPECT_EQ(mask_password("password='a\\'bc' port=1"), "password=**** port=1");
  EXPECT_EQ(mask_password("password="), "password=");
}

TEST(MysqlUrl, BadPortIsNotEchoedBecauseItMayBePartOfAPassword) {
  try {
    (void)parse_mysql_url("mysql://u:pa/ss@h", "--mysql");
    FAIL() << "accepted";
  } catch (const UsageError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message, "--mysql: invalid port (expected 1..65535) in 'mysql://u:****@h' "
                       "(expected a URL like mysql://root@127.0.0.1:3306/shop)");
  }
}

TEST(MysqlUrlTls, DefaultsToPreferredAsTheMysqlClient) {
  const auto url = parse_mysql_url("mysql://root@h/shop", "--mysql");
  EXPECT_EQ(url.tls.mode, shop::MysqlSslMode::preferred);
  EXPECT_EQ(url.masked(), "mysql://root@h:3306/shop");  // the default is not shown
}

TEST(MysqlUrlTls, QueryTakesTheMysqlClientsNamesInEitherSpellingAndAnyCase) {
  const auto url = parse_mysql_url(
      "mysql://u:pw@db.example:3307/shop?ssl-mode=verify_identity&ssl_ca=/etc/ca%20dir/ca.pem&ssl-cert=/c.pem&SSL-KEY=/k.pem",
      "--mysql");
  EXPECT_EQ(url.tls.mode, shop::MysqlSslMode::verify_identity);
  EXPECT_TRUE(url.tls.mode_given);
  EXPECT_EQ(url.tls.ca, "/etc/ca dir/ca.pem");
  EXPECT_EQ(url.tls.cert, "/c.pem");
  EXPECT_EQ(url.tls.key, "/k.pem");
  EXPECT_EQ(url.database, "shop");
  EXPECT_EQ(url.port, 3307);
  EXPECT_EQ(url.masked(), "mysql://u:****@db.example:3307/shop?ssl-mode=VERIFY_IDENTITY");
}

TEST(MysqlUrlTls, QueryOverridesTheFallbackAndKeepsWhatItDoesNotSet) {
  shop::MysqlTls from_env;
  from_env.mode = shop::MysqlSslMode::required;
  from_env.mode_given = true;
  from_env.ca = "/env/ca.pem";
  const auto url = parse_mysql_url("mysql://h/shop?ssl-mode=DISABLED", "x", nullptr, from_env);
  EXPECT_EQ(url.tls.mode, shop::MysqlSslMode::disabled);
  EXPECT_EQ(url.tls.ca, "/env/ca.pem");
}

TEST(MysqlUrlTls, CaWithoutModeMeansVerifyCaAsTheMysqlClient) {
  auto url = parse_mysql_url("mysql://h/shop?ssl-ca=/ca.pem", "--mysql");
  shop::settle_mysql_tls(url.tls, "--mysql");
  EXPECT_EQ(url.tls.mode, shop::MysqlSslMode::verify_ca);
  url = parse_mysql_url("mysql://h/shop?ssl-ca=/ca.pem&ssl-mode=REQUIRED", "--mysql");
  shop::settle_mysql_tls(url.tls, "--mysql");
  EXPECT_EQ(url.tls.mode, shop::MysqlSslMode::required);
}

TEST(MysqlUrlTls, BadQueriesAreUsageErrorsNamingTheProblemNeverThePassword) {
  const std::pair<const char*, const char*> cases[] = {
      {"mysql://u:topsecret@h/shop?ssl-mode=SOMETIMES", "unknown ssl-mode 'SOMETIMES' (expected DISABLED, PREFERRED"},
      {"mysql://u:topsecret@h/shop?sslmode=require", "unknown query parameter 'sslmode' (expected ssl-mode"},
      {"mysql://u:topsecret@h/shop?ssl-mode", "query parameter 'ssl-mode' has no value"},
      {"mysql://u:topsecret@h/shop?ssl-ca=%zz", "malformed %-escape"},
      // An unencoded '?' in a password: nothing after it is echoed.
      {"mysql://u:top?secret@h/shop", "query parameter has no value"},
  };
  for (const auto& [bad, expected] : cases) {
    try {
      (void)parse_mysql_url(bad, "--mysql");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const UsageError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(expected), std::string::npos) << message;
      EXPECT_EQ(message.find("secret"), std::string::npos) << message;
    }
  }
}

TEST(MysqlUrlTls, ClientCertificateAndKeyGoTogether) {
  auto url = parse_mysql_url("mysql://h/shop?ssl-cert=/c.pem", "--mysql");
  EXPECT_THROW(shop::settle_mysql_tls(url.tls, "--mysql"), UsageError);
  url = parse_mysql_url("mysql://h/shop?ssl-key=/k.pem", "--mysql");
  EXPECT_THROW(shop::settle_mysql_tls(url.tls, "--mysql"), UsageError);
}
