#include "seed_sql.hpp"

#include <gtest/gtest.h>

using shop::seed::CatalogConfig;

TEST(SeedSql, SchemaHasTheFourShopTables) {
  const auto statements = shop::seed::schema_statements();
  ASSERT_EQ(statements.size(), 4u);
  EXPECT_EQ(statements[0].rfind("CREATE TABLE IF NOT EXISTS users (", 0), 0u) << statements[0];
  EXPECT_EQ(statements[1].rfind("CREATE TABLE IF NOT EXISTS items (", 0), 0u);
  EXPECT_EQ(statements[2].rfind("CREATE TABLE IF NOT EXISTS purchases (", 0), 0u);
  EXPECT_EQ(statements[3].rfind("CREATE TABLE IF NOT EXISTS warehouse_orders (", 0), 0u);
  for (const auto& statement : statements) {
    EXPECT_EQ(statement.find(';'), std::string::npos);
    EXPECT_EQ(statement.find("--"), std::string::npos);
  }
}

TEST(SeedSql, NamesTheTableEachSchemaStatementCreates) {
  std::vector<std::string> tables;
  for (const auto& statement : shop::seed::schema_statements()) tables.push_back(shop::seed::created_table(statement));
  EXPECT_EQ(tables, (std::vector<std::string>{"users", "items", "purchases", "warehouse_orders"}));
  EXPECT_EQ(shop::seed::created_table("DROP TABLE users"), "");
}

TEST(SeedSql, ResetDeletesRowsChildrenFirstAndNeverDropsOrTruncates) {
  const auto resets = shop::seed::reset_statements();
  EXPECT_EQ(resets, (std::vector<std::string>{"DELETE FROM warehouse_orders", "DELETE FROM purchases",
                                              "DELETE FROM items", "DELETE FROM users"}));
}

TEST(SeedSql, FormatsUtcDatetimes) {
  std::string out;
  shop::seed::append_datetime(out, 0);
  EXPECT_EQ(out, "1970-01-01 00:00:00");
  out.clear();
  shop::seed::append_datetime(out, 1634651213);
  EXPECT_EQ(out, "2021-10-19 13:46:53");
  out.clear();
  shop::seed::append_datetime(out, 951782400);  // leap day
  EXPECT_EQ(out, "2000-02-29 00:00:00");
}

TEST(SeedSql, InsertsCarryEveryRowOnceInBoundedStatements) {
  const CatalogConfig config{.users = 40'000, .items = 3'000, .seed = 5};
  uint64_t rows = 0;
  size_t statements = 0;
  size_t item_statements = 0;
  bool users_started = false;
  const bool completed = shop::seed::generate_inserts(config, [&](std::string_view sql, uint64_t count) {
    ++statements;
    rows += count;
    EXPECT_LT(sql.size(), shop::seed::k_statement_bytes + 1024);
    const bool is_items = sql.starts_with("INSERT INTO items (");
    const bool is_users = sql.starts_with("INSERT INTO users (");
    EXPECT_TRUE(is_items || is_users);
    if (is_items) {
      EXPECT_FALSE(users_started) << "items must come before users";
      ++item_statements;
    }
    users_started |= is_users;
    // count tuples: each row is one "),(" boundary more
    size_t tuples = 1;
    for (size_t pos = sql.find("),("); pos != std::string_view::npos; pos = sql.find("),(", pos + 1)) ++tuples;
    EXPECT_EQ(tuples, count);
    return true;
  });
  EXPECT_TRUE(completed);
  EXPECT_EQ(rows, 43'000u);
  EXPECT_GE(item_statements, 1u);
  EXPECT_GT(statements, 2u);  // 40k users do not fit in one statement
}

TEST(SeedSql, StopsWhenTheSinkSaysSo) {
  int calls = 0;
  const bool completed = shop::seed::generate_inserts({.users = 100'000, .items = 10}, [&](std::string_view, uint64_t) {
    return ++calls < 2;
  });
  EXPECT_FALSE(completed);
  EXPECT_EQ(calls, 2);
}
