#include "catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

using shop::seed::CatalogConfig;
using shop::seed::ItemGenerator;
using shop::seed::ItemRow;
using shop::seed::UserGenerator;
using shop::seed::UserRow;

namespace {

std::vector<UserRow> all_users(const CatalogConfig& config) {
  std::vector<UserRow> rows;
  UserGenerator generator(config);
  while (!generator.done()) {
    UserRow row{};
    generator.next(row);
    rows.push_back(row);
  }
  return rows;
}

std::vector<ItemRow> all_items(const CatalogConfig& config) {
  std::vector<ItemRow> rows;
  ItemGenerator generator(config);
  while (!generator.done()) {
    ItemRow row{};
    generator.next(row);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST(Catalog, SameSeedGivesIdenticalRows) {
  const CatalogConfig config{.users = 500, .items = 200, .seed = 9};
  const auto users_a = all_users(config);
  const auto users_b = all_users(config);
  const auto items_a = all_items(config);
  const auto items_b = all_items(config);
  ASSERT_EQ(users_a.size(), 500u);
  ASSERT_EQ(items_a.size(), 200u);
  for (size_t i = 0; i < users_a.size(); ++i) {
    EXPECT_EQ(users_a[i].email, users_b[i].email);
    EXPECT_EQ(users_a[i].is_vip, users_b[i].is_vip);
    EXPECT_EQ(users_a[i].created_at, users_b[i].created_at);
  }
  for (size_t i = 0; i < items_a.size(); ++i) {
    EXPECT_EQ(items_a[i].name, items_b[i].name);
    EXPECT_EQ(items_a[i].price_cents, items_b[i].price_cents);
    EXPECT_EQ(items_a[i].inventory, items_b[i].inventory);
  }
  CatalogConfig other = config;
  other.seed = 10;
  EXPECT_NE(all_items(other)[0].name + all_users(other)[0].email, items_a[0].name + users_a[0].email);
}

TEST(Catalog, ItemsDoNotDependOnTheNumberOfUsers) {
  const auto items_a = all_items({.users = 10, .items = 50, .seed = 1});
  const auto items_b = all_items({.users = 9999, .items = 50, .seed = 1});
  for (size_t i = 0; i < items_a.size(); ++i) EXPECT_EQ(items_a[i].name, items_b[i].name);
}

TEST(Catalog, UsersHaveSequentialIdsUniqueEmailsAndAboutEighteenPercentVip) {
  const auto users = all_users({.users = 20'000, .items = 1});
  std::set<std::string> emails;
  size_t vips = 0;
  int64_t previous_created = 0;
  for (size_t i = 0; i < users.size(); ++i) {
    EXPECT_EQ(users[i].id, i + 1);
    EXPECT_TRUE(emails.insert(users[i].email).second) << users[i].email;
    EXPECT_NE(users[i].email.find('@'), std::string::npos);
    vips += users[i].is_vip ? 1u : 0u;
    EXPECT_GE(users[i].created_at, previous_created);  // signup order
    EXPECT_LT(users[i].created_at, shop::seed::k_reference_epoch_seconds);
    previous_created = users[i].created_at;
  }
  const double vip_share = static_cast<double>(vips) / static_cast<double>(users.size());
  EXPECT_NEAR(vip_share, 0.18, 0.015);
}

TEST(Catalog, ItemsHaveUniqueNamesKnownCategoriesAndPricesInRange) {
  const auto items = all_items({.users = 1, .items = 30'000, .inventory_min = 10, .inventory_max = 20});
  std::set<std::string> names;
  std::set<std::string_view> categories;
  size_t cheap = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    EXPECT_EQ(item.id, i + 1);
    EXPECT_TRUE(names.insert(item.name).second) << item.name;
    EXPECT_LE(item.name.size(), 100u);  // VARCHAR(100)
    categories.insert(item.category);
    EXPECT_GE(item.price_cents, 500u);
    EXPECT_LE(item.price_cents, 50'000u);
    EXPECT_GE(item.inventory, 10);
    EXPECT_LE(item.inventory, 20);
    cheap += item.price_cents < 100'00 ? 1u : 0u;
  }
  EXPECT_EQ(categories, (std::set<std::string_view>{"widgets", "gadgets", "doodads", "clearance"}));
  // Skewed toward cheaper items: well over half cost less than 100.00.
  EXPECT_GT(static_cast<double>(cheap) / static_cast<double>(items.size()), 0.55);
}

TEST(Catalog, InventoryRangeOfOneValue) {
  for (const auto& item : all_items({.items = 100, .inventory_min = 7, .inventory_max = 7})) EXPECT_EQ(item.inventory, 7);
}
