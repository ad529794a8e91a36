// core/row_table.cpp: the flat multiset, checked against std::unordered_map.
#include "core/row_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unordered_map>

#include "core/random.hpp"

namespace shop {
namespace {

std::map<std::string, int64_t> contents(const RowTable& table) {
  std::map<std::string, int64_t> rows;
  table.for_each([&](std::string_view row, int64_t count) { rows[std::string(row)] = count; });
  return rows;
}

TEST(RowTable, AddsCountsAndRemovesAtZero) {
  RowTable table;
  EXPECT_EQ(table.add("a", 2), 2);
  EXPECT_EQ(table.add("b", 1), 1);
  EXPECT_EQ(table.add("a", -1), 1);
  EXPECT_EQ(table.count("a"), 1);
  EXPECT_EQ(table.add("b", -1), 0);
  EXPECT_EQ(table.count("b"), 0);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.add("", 3), 3);  // an empty row (a query with no columns) is a row too
  EXPECT_EQ(table.count(""), 3);
  EXPECT_EQ(contents(table), (std::map<std::string, int64_t>{{"", 3}, {"a", 1}}));
}

// Random adds and removes over a small key space (long probe runs, many deletions,
// growth and compaction) must always agree with std::unordered_map.
TEST(RowTable, AgreesWithAHashMapUnderChurn) {
  RowTable table;
  std::unordered_map<std::string, int64_t> truth;
  Rng rng(7);
  for (int step = 0; step < 300'000; ++step) {
    const std::string row = "row-" + std::to_string(rng.below(5000)) + std::string(rng.below(40), 'x');
    const int64_t current = truth.count(row) != 0 ? truth[row] : 0;
    const int64_t diff = current > 0 && rng.chance(0.5) ? -static_cast<int64_t>(1 + rng.below(static_cast<uint64_t>(current)))
                                                        : static_cast<int64_t>(1 + rng.below(3));
    const int64_t now = table.add(row, diff);
    truth[row] += diff;
    ASSERT_EQ(now, truth[row]) << "step " << step;
    if (truth[row] == 0) truth.erase(row);
    if (step % 50'000 == 0) {
      ASSERT_EQ(table.size(), truth.size());
      for (const auto& [r, count] : truth) ASSERT_EQ(table.count(r), count) << r;
    }
  }
  EXPECT_EQ(table.size(), truth.size());
  const std::map<std::string, int64_t> expected(truth.begin(), truth.end());
  EXPECT_EQ(contents(table), expected);
}

TEST(RowTable, ReserveKeepsTheRows) {
  RowTable table;
  for (int i = 0; i < 1000; ++i) table.add(std::to_string(i), 1);
  table.reserve(100'000);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(table.count(std::to_string(i)), 1);
  EXPECT_EQ(table.size(), 1000u);
}

}  // namespace
}  // namespace shop
