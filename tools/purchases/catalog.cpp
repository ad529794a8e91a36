#include "catalog.hpp"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/core.h>

#include <cmath>

#include "core/error.hpp"
#include "core/mysql.hpp"

namespace shop::purchases {

Catalog load_catalog(sql::Connection& connection, const MysqlUrl& url) {
  const auto not_seeded = [&](std::string_view why) {
    return Error(fmt::format("{} is not seeded ({}): run shop-seed first", url.masked(), why));
  };
  Catalog catalog;
  try {
    std::unique_ptr<sql::Statement> statement(connection.createStatement());
    {
      std::unique_ptr<sql::ResultSet> items(
          statement->executeQuery("SELECT id, ROUND(price * 100), inventory FROM items ORDER BY id"));
      while (items->next()) {
        catalog.item_ids.push_back(items->getUInt64(1));
        catalog.item_price_cents.push_back(static_cast<uint32_t>(items->getUInt(2)));
        catalog.total_stock += static_cast<uint64_t>(std::max<int64_t>(0, items->getInt64(3)));
      }
    }
    std::vector<char> vip;
    {
      std::unique_ptr<sql::ResultSet> users(statement->executeQuery("SELECT id, is_vip FROM users ORDER BY id"));
      while (users->next()) {
        catalog.user_ids.push_back(users->getUInt64(1));
        vip.push_back(users->getBoolean(2) ? 1 : 0);
      }
    }
    catalog.user_is_vip.reset(new bool[vip.size()]);
    for (size_t i = 0; i < vip.size(); ++i) catalog.user_is_vip[i] = vip[i] != 0;
  } catch (const sql::SQLException& error) {
    if (error.getErrorCode() == k_mysql_no_such_table) throw not_seeded(describe_mysql_error(error));
    throw Error(fmt::format("cannot read the catalog from {} ({})", url.masked(), describe_mysql_error(error)));
  }
  if (catalog.item_ids.empty()) throw not_seeded("no items");
  if (catalog.user_ids.empty()) throw not_seeded("no users");
  return catalog;
}

}  // namespace shop::purchases
