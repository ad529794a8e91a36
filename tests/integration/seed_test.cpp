// shop-seed against a real MariaDB (started by the harness; MYSQL_URL points at it).
// Each test works in its own database, named after the test.
#include <regex>

#include "mysql_test_support.hpp"

namespace {

using namespace shop::testing_support;

class SeedTest : public MysqlTest {
 protected:
  [[nodiscard]] std::string database_prefix() const override { return "seed_"; }

  // Runs shop-seed with --mysql for `database` plus `args`.
  CommandResult seed(const std::string& database, const std::string& args) {
    return run_tool(SHOP_SEED_BINARY, database, args);
  }
};

TEST_F(SeedTest, CreatesTheDataModelWithTheRequestedCountsAndRealisticValues) {
  const auto result = seed(m_database, "--users 2000 --items 150 --inventory 10:20");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("seeded 2000 users and 150 items"), std::string::npos) << result.err;
  EXPECT_EQ(count(m_database, "users"), 2000u);
  EXPECT_EQ(count(m_database, "items"), 150u);
  EXPECT_EQ(count(m_database, "purchases"), 0u);
  EXPECT_EQ(count(m_database, "warehouse_orders"), 0u);

  const std::string db = "`" + m_database + "`.";
  EXPECT_EQ(query_value("SELECT CONCAT(MIN(id), '-', MAX(id)) FROM " + db + "users"), "1-2000");
  EXPECT_EQ(query_value("SELECT CONCAT(MIN(id), '-', MAX(id)) FROM " + db + "items"), "1-150");
  EXPECT_EQ(query_value("SELECT COUNT(DISTINCT email) FROM " + db + "users"), "2000");
  EXPECT_EQ(query_value("SELECT COUNT(DISTINCT name) FROM " + db + "items"), "150");
  EXPECT_EQ(query_value("SELECT COUNT(*) FROM " + db + "items WHERE price < 5 OR price > 500"), "0");
  EXPECT_EQ(query_value("SELECT COUNT(*) FROM " + db + "items WHERE inventory NOT BETWEEN 10 AND 20"), "0");
  EXPECT_EQ(query_value("SELECT COUNT(*) FROM " + db +
                        "items WHERE category NOT IN ('widgets', 'gadgets', 'doodads', 'clearance')"),
            "0");
  const double vip_share = std::stod(query_value("SELECT AVG(is_vip) FROM " + db + "users"));
  EXPECT_NEAR(vip_share, 0.18, 0.03);
  EXPECT_EQ(query_value("SELECT COUNT(*) FROM " + db + "users WHERE email NOT LIKE '%_@_%._%'"), "0");
}

TEST_F(SeedTest, ColumnsMatchTheSchemaFileAndTheDataModel) {
  ASSERT_EQ(seed(m_database, "--users 10 --items 10").exit_code, 0);
  // A reference database made from sql/mysql/schema.sql by the mariadb client itself.
  const std::string reference = m_database + "_ref";
  (void)url_for(reference);
  execute("CREATE DATABASE `" + reference + "`");
  const auto loaded = run_shell(mariadb_client(reference) + " < " + shell_quote(SHOP_SCHEMA_SQL));
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;

  const auto columns = [&](const std::string& database) {
    std::unique_ptr<sql::Statement> statement(m_admin->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, IFNULL(COLUMN_DEFAULT, 'none'), EXTRA "
        "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
        database + "' ORDER BY TABLE_NAME, ORDINAL_POSITION"));
    std::string out;
    while (result->next()) {
      for (unsigned column = 1; column <= 6; ++column) out += std::string(result->getString(column)) + " ";
      out += "\n";
    }
    return out;
  };
  const auto seeded = columns(m_database);
  EXPECT_EQ(seeded, columns(reference));

  // DESIGN.md's data model, column by column, with the original demo's types.
  const auto names = [&](const std::string& table) {
    return query_value("SELECT GROUP_CONCAT(CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE) ORDER BY ORDINAL_POSITION) FROM "
                       "information_schema.COLUMNS WHERE TABLE_SCHEMA = '" +
                       m_database + "' AND TABLE_NAME = '" + table + "'");
  };
  EXPECT_EQ(names("users"),
            "id bigint(20) unsigned,email varchar(255),is_vip tinyint(1),created_at timestamp,updated_at datetime");
  EXPECT_EQ(names("items"),
            "id bigint(20) unsigned,name varchar(100),category varchar(100),price decimal(7,2),inventory int(11),"
            "inventory_updated_at timestamp,created_at timestamp,updated_at datetime");
  EXPECT_EQ(names("purchases"),
            "id bigint(20) unsigned,user_id bigint(20) unsigned,item_id bigint(20) unsigned,status tinyint(3) "
            "unsigned,quantity int(10) unsigned,purchase_price decimal(12,2),created_at timestamp,updated_at datetime");
  EXPECT_EQ(names("warehouse_orders"),
            "id bigint(20) unsigned,item_id bigint(20) unsigned,quantity int(10) unsigned,status varchar(16),"
            "created_at timestamp,delivered_at timestamp");
}

TEST_F(SeedTest, SameFlagsGiveIdenticalRowsAndAnotherSeedDoesNot) {
  const std::string twin = m_database + "_twin";
  const std::string other = m_database + "_other";
  ASSERT_EQ(seed(m_database, "--users 3000 --items 200 --seed 7").exit_code, 0);
  ASSERT_EQ(seed(twin, "--users 3000 --items 200 --seed 7").exit_code, 0);
  ASSERT_EQ(seed(other, "--users 3000 --items 200 --seed 8").exit_code, 0);
  const auto content = dump_all(m_database);
  EXPECT_EQ(line_count(content), 3200u);
  EXPECT_EQ(content, dump_all(twin));
  EXPECT_NE(content, dump_all(other));
}

TEST_F(SeedTest, LoadMethodsAndDryRunThroughTheClientGiveTheSameContent) {
  const std::string by_insert = m_database + "_insert";
  const std::string by_dry_run = m_database + "_dry";
  ASSERT_EQ(seed(m_database, "--users 5000 --items 300 --load-method load-data").exit_code, 0);
  const auto inserted = seed(by_insert, "--users 5000 --items 300 --load-method insert --summary-json " +
                                            temp_path("seed_insert.json"));
  ASSERT_EQ(inserted.exit_code, 0) << inserted.err;
  EXPECT_NE(read_file(temp_path("seed_insert.json")).find("\"load_method\": \"insert\""), std::string::npos);

  (void)url_for(by_dry_run);
  const auto piped = run_shell(std::string(SHOP_SEED_BINARY) + " --dry-run --users 5000 --items 300 --mysql " +
                               shell_quote(url_text(by_dry_run)) + " | " + mariadb_client(""));
  ASSERT_EQ(piped.exit_code, 0) << piped.err;

  const auto content = dump_all(m_database);
  EXPECT_EQ(line_count(content), 5300u);
  EXPECT_EQ(content, dump_all(by_insert));
  EXPECT_EQ(content, dump_all(by_dry_run));
}

TEST_F(SeedTest, DryRunNeverConnectsAndEndsQuietlyOnAClosedPipe) {
  // Port 1 has no server: a dry run must not try to connect.
  const auto result = run_shell(std::string(SHOP_SEED_BINARY) +
                                " --dry-run --users 200000 --mysql mysql://root:pw@127.0.0.1:1/x | head -c 1000 >/dev/null;"
                                " exit ${PIPESTATUS[0]}");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

TEST_F(SeedTest, RerunLeavesASeededDatabaseUntouched) {
  ASSERT_EQ(seed(m_database, "--users 500 --items 50").exit_code, 0);
  execute("INSERT INTO `" + m_database + "`.purchases (user_id, item_id, quantity, purchase_price) VALUES (1, 1, 2, 9.98)");
  const auto before = dump_all(m_database) + dump(m_database, "purchases");

  const auto again = seed(m_database, "--users 500 --items 50 --summary-json " + temp_path("seed_again.json"));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("already seeded (500 users, 50 items); left untouched"), std::string::npos) << again.err;
  EXPECT_NE(read_file(temp_path("seed_again.json")).find("\"status\": \"already_seeded\""), std::string::npos);
  EXPECT_EQ(dump_all(m_database) + dump(m_database, "purchases"), before);

  const auto different = seed(m_database, "--users 900 --items 50");
  EXPECT_EQ(different.exit_code, 0) << different.err;
  EXPECT_NE(different.err.find("--reset"), std::string::npos) << different.err;
  EXPECT_EQ(count(m_database, "users"), 500u);
}

// A running demo replicates these tables into Materialize, whose MySQL source puts a
// subsource into an error state when its table is dropped and recreated or truncated
// (Materialize's doc/user/data/mysql_source_details.yml). So --reset must change rows
// only: the binlog after the first seed holds no DDL on the test's tables.
TEST_F(SeedTest, ResetEmptiesAndReseedsTheTablesWithoutDdl) {
  ASSERT_EQ(seed(m_database, "--users 400 --items 40").exit_code, 0);
  const auto fresh = dump_all(m_database);
  execute("INSERT INTO `" + m_database + "`.purchases (user_id, item_id, quantity, purchase_price) VALUES (2, 3, 1, 5.00)");
  execute("INSERT INTO `" + m_database + "`.warehouse_orders (item_id, quantity) VALUES (3, 100)");
  execute("UPDATE `" + m_database + "`.items SET inventory = 0 WHERE id = 3");
  std::unique_ptr<sql::Statement> statement(m_admin->createStatement());
  std::unique_ptr<sql::ResultSet> status(statement->executeQuery("SHOW MASTER STATUS"));
  ASSERT_TRUE(status->next()) << "the harness's MariaDB runs without a binlog";
  const std::string file = status->getString(1);
  const std::string position = status->getString(2);

  const auto reset = seed(m_database, "--users 400 --items 40 --reset");
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_EQ(count(m_database, "purchases"), 0u);
  EXPECT_EQ(count(m_database, "warehouse_orders"), 0u);
  EXPECT_EQ(dump_all(m_database), fresh);

  std::unique_ptr<sql::ResultSet> events(
      statement->executeQuery("SHOW BINLOG EVENTS IN '" + file + "' FROM " + position));
  size_t row_events = 0;
  std::string ddl;
  while (events->next()) {
    const std::string type = events->getString("Event_type");
    const std::string info = events->getString("Info");
    if (type.find("_rows") != std::string::npos) ++row_events;
    if (type == "Query" && info.find(m_database) != std::string::npos &&
        std::regex_search(info, std::regex("(DROP|CREATE|TRUNCATE|ALTER|RENAME) ", std::regex::icase))) {
      ddl += info + "\n";
    }
  }
  EXPECT_EQ(ddl, "") << "--reset wrote DDL on the shop tables to the binlog";
  EXPECT_GT(row_events, 0u) << "the reset's deletes and inserts are not in the binlog as row events";
}

TEST_F(SeedTest, PartlySeededDatabaseIsReportedWithTheWayOut) {
  ASSERT_EQ(seed(m_database, "--users 300 --items 30").exit_code, 0);
  execute("DELETE FROM `" + m_database + "`.items");
  const auto partial = seed(m_database, "--users 300 --items 30");
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_EQ(line_count(partial.err), 1u) << partial.err;
  EXPECT_NE(partial.err.find("partly seeded (300 users, 0 items)"), std::string::npos) << partial.err;
  EXPECT_NE(partial.err.find("--reset"), std::string::npos) << partial.err;
  EXPECT_EQ(count(m_database, "users"), 300u);  // untouched

  ASSERT_EQ(seed(m_database, "--users 300 --items 30 --reset").exit_code, 0);
  EXPECT_EQ(count(m_database, "items"), 30u);
}

TEST_F(SeedTest, InterruptRollsBackEverything) {
  // Enough rows that the load is surely still running when the signal arrives.
  const auto result = run_shell(std::string(SHOP_SEED_BINARY) + " --users 20000000 --mysql " +
                                shell_quote(url_text(m_database)) + " & pid=$!; sleep 1.5; kill -INT $pid; wait $pid");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("interrupted"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("no rows were written"), std::string::npos) << result.err;
  EXPECT_EQ(count(m_database, "users"), 0u);
  EXPECT_EQ(count(m_database, "items"), 0u);

  // And the database seeds normally afterwards.
  ASSERT_EQ(seed(m_database, "--users 100 --items 10").exit_code, 0);
  EXPECT_EQ(count(m_database, "users"), 100u);
}

// Changes a server-wide setting: registered as its own ctest test holding the mariadb
// lock (tests/integration/CMakeLists.txt), so nothing else runs beside it.
TEST_F(SeedTest, ServerWide_AutoFallsBackToInsertsWhenLocalInfileIsOff) {
  execute("SET GLOBAL local_infile = 0");
  const auto summary_path = temp_path("seed_fallback.json");
  const auto result = seed(m_database, "--users 3000 --items 100 --summary-json " + summary_path);
  const auto refused = seed(m_database + "_strict", "--users 10 --items 10 --load-method load-data");
  execute("SET GLOBAL local_infile = 1");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(read_file(summary_path).find("\"load_method\": \"insert\""), std::string::npos);
  EXPECT_EQ(count(m_database, "users"), 3000u);
  // With the method forced there is no fallback: a one-line error, nothing written.
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
  EXPECT_NE(refused.err.find("no rows were written"), std::string::npos) << refused.err;
}

TEST_F(SeedTest, UnreachableServerIsAOneLineErrorWithExitOne) {
  const auto result = run_shell(std::string(SHOP_SEED_BINARY) + " --mysql mysql://root:pw-not-shown@127.0.0.1:1/x");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_EQ(result.err.rfind("shop-seed: error: cannot connect to MySQL at mysql://root:****@127.0.0.1:1/x: connection "
                             "refused (",
                             0),
            0u)
      << result.err;  // the cause in words, not libmariadb's "(115)"
  EXPECT_EQ(result.err.find("pw-not-shown"), std::string::npos);
}

TEST_F(SeedTest, WrongPasswordFailsWithoutShowingIt) {
  execute("CREATE USER IF NOT EXISTS 'seed_pw'@'%' IDENTIFIED BY 'right-password'");
  execute("GRANT ALL ON *.* TO 'seed_pw'@'%'");
  const std::string target = "mysql://seed_pw:wrong-password@" + m_server.host + ":" + std::to_string(m_server.port) +
                             "/" + m_database;
  (void)url_for(m_database);
  auto result = run_shell(std::string(SHOP_SEED_BINARY) + " --mysql " + shell_quote(target));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(line_count(result.err), 1u) << result.err;
  EXPECT_NE(result.err.find("Access denied"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("wrong-password"), std::string::npos) << result.err;

  // The password from MYSQL_PWD (URL without one) is used and not shown either.
  const std::string no_password =
      "mysql://seed_pw@" + m_server.host + ":" + std::to_string(m_server.port) + "/" + m_database;
  result = run_shell("MYSQL_PWD=wrong-password " + std::string(SHOP_SEED_BINARY) + " --mysql " + shell_quote(no_password));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.find("wrong-password"), std::string::npos) << result.err;
  result = run_shell("MYSQL_PWD=right-password " + std::string(SHOP_SEED_BINARY) + " --users 20 --items 5 --mysql " +
                     shell_quote(no_password));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("right-password"), std::string::npos) << result.err;
  execute("DROP USER 'seed_pw'@'%'");
}

TEST_F(SeedTest, MissingPrivilegeIsReportedAndLeavesNoRows) {
  execute("CREATE DATABASE `" + m_database + "`");
  (void)url_for(m_database);
  // Can create the tables but not write rows.
  execute("CREATE USER IF NOT EXISTS 'seed_ro'@'%' IDENTIFIED BY 'ro'");
  execute("GRANT SELECT, CREATE, REFERENCES, INDEX ON `" + m_database + "`.* TO 'seed_ro'@'%'");
  const std::string target =
      "mysql://seed_ro:ro@" + m_server.host + ":" + std::to_string(m_server.port) + "/" + m_database;
  for (const char* method : {"load-data", "insert"}) {
    const auto result =
        run_shell(std::string(SHOP_SEED_BINARY) + " --load-method " + method + " --mysql " + shell_quote(target));
    EXPECT_EQ(result.exit_code, 1) << method;
    EXPECT_EQ(line_count(result.err), 1u) << result.err;
    EXPECT_NE(result.err.find("denied"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("no rows were written"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(":ro@"), std::string::npos) << result.err;
    EXPECT_EQ(count(m_database, "users"), 0u);
    EXPECT_EQ(count(m_database, "items"), 0u);
  }
  execute("DROP USER 'seed_ro'@'%'");
}

TEST_F(SeedTest, BadFlagsExitTwoWithOneLineNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--users 0", "--users"},           {"--users -5", "--users"},
      {"--items 0", "--items"},           {"--items abc", "--items"},
      {"--inventory 50:10", "--inventory"}, {"--inventory 10", "--inventory"},
      {"--inventory -1:10", "--inventory"}, {"--mysql not-a-url", "--mysql"},
      {"--mysql mysql://u:secret@h:0/db", "--mysql"}, {"--load-method fast", "--load-method"},
  };
  for (const auto& [args, flag] : cases) {
    const auto result = run_shell(std::string(SHOP_SEED_BINARY) + " " + args);
    EXPECT_EQ(result.exit_code, 2) << args << ": " << result.err;
    EXPECT_EQ(line_count(result.err), 1u) << args << ": " << result.err;
    EXPECT_EQ(result.err.rfind("shop-seed: error: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(flag), std::string::npos) << args << ": " << result.err;
    EXPECT_EQ(result.err.find("secret"), std::string::npos) << result.err;
  }
  // A malformed MYSQL_URL names the variable.
  const auto from_env = run_shell("MYSQL_URL=bogus " + std::string(SHOP_SEED_BINARY));
  EXPECT_EQ(from_env.exit_code, 2);
  EXPECT_NE(from_env.err.find("MYSQL_URL"), std::string::npos) << from_env.err;
}

}  // namespace
