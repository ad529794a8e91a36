// tools/watch/table_model.cpp: what the live table shows.
#include "table_model.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace shop::watch {
namespace {

using namespace std::chrono_literals;
using Clock = TableModel::Clock;

Row row(std::initializer_list<std::optional<std::string_view>> fields) {
  return make_row(std::vector<Field>(fields.begin(), fields.end()));
}

const std::vector<ColumnInfo> k_columns = {{"item", ColumnKind::text}, {"revenue", ColumnKind::number}};

std::string show(const std::vector<DisplayRow>& rows) {
  std::string text;
  for (const auto& r : rows) {
    text += r.mark == Mark::inserted ? '+' : r.mark == Mark::updated ? '~' : r.mark == Mark::removed ? '-' : ' ';
    for (const auto& cell : r.cells) text += " " + cell.value_or("NULL");
    if (r.count > 1) text += " x" + std::to_string(r.count);
    text += "\n";
  }
  return text;
}

TEST(ParseOrderBy, ColumnsWithDirections) {
  const auto order = parse_order_by("revenue desc, item ASC", k_columns);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].column, 1u);
  EXPECT_TRUE(order[0].descending);
  EXPECT_EQ(order[1].column, 0u);
  EXPECT_FALSE(order[1].descending);
  EXPECT_TRUE(parse_order_by("", k_columns).empty());
  EXPECT_THROW((void)parse_order_by("nosuch", k_columns), UsageError);
}

TEST(TableModel, OrdersNumbersAsNumbersAndLimits) {
  TableModel model;
  model.set_columns(k_columns, 0);
  model.set_order(parse_order_by("revenue desc", k_columns));
  const auto t0 = Clock::now();
  model.apply({{"1", 1, row({"a", "9.5"})}, {"1", 1, row({"b", "10"})}, {"1", 1, row({"c", "100"})},
               {"1", 1, row({"d", std::nullopt})}},
              t0);
  // Numerically 100 > 10 > 9.5 (as text "9.5" would come first); NULL last.
  EXPECT_EQ(show(model.visible(0, t0 + 10s)), "  c 100\n  b 10\n  a 9.5\n  d NULL\n");
  EXPECT_EQ(show(model.visible(2, t0 + 10s)), "  c 100\n  b 10\n");
  EXPECT_EQ(model.row_count(), 4u);
}

TEST(TableModel, MarksInsertsUpdatesAndRemovalsForAMoment) {
  TableModel model(1000ms);
  model.set_columns(k_columns, 0);
  model.set_order(parse_order_by("item", k_columns));
  const auto t0 = Clock::now();
  model.apply({{"1", 1, row({"a", "1"})}, {"1", 1, row({"b", "2"})}}, t0);
  EXPECT_EQ(show(model.visible(0, t0)), "+ a 1\n+ b 2\n");
  EXPECT_EQ(show(model.visible(0, t0 + 2s)), "  a 1\n  b 2\n");  // the marks have faded
  // a's revenue changes (a -/+ pair with the same first column): an update; b goes.
  model.apply({{"2", -1, row({"a", "1"})}, {"2", 1, row({"a", "5"})}, {"2", -1, row({"b", "2"})}}, t0 + 3s);
  EXPECT_EQ(show(model.visible(0, t0 + 3s)), "~ a 5\n- b 2\n");
  EXPECT_EQ(model.row_count(), 1u);
  EXPECT_EQ(show(model.visible(0, t0 + 5s)), "  a 5\n");  // the removed row is gone once its mark fades
}

TEST(TableModel, DuplicatesShowTheirCount) {
  TableModel model;
  model.set_columns(k_columns, 0);
  const auto t0 = Clock::now();
  model.apply({{"1", 3, row({"a", "1"})}}, t0);
  model.apply({{"2", -1, row({"a", "1"})}}, t0 + 5s);
  EXPECT_EQ(show(model.visible(0, t0 + 5s)), "~ a 1 x2\n");
}

TEST(TableModel, KeyedChangesUpsertAndDelete) {
  TableModel model(1000ms);
  model.set_columns(k_columns, 1);
  const auto t0 = Clock::now();
  model.apply(std::vector<KeyedChange>{{"1", KeyedKind::upsert, row({"a"}), row({"1"})},
                                       {"1", KeyedKind::upsert, row({"b"}), row({"2"})}},
              t0);
  model.apply(std::vector<KeyedChange>{{"2", KeyedKind::upsert, row({"a"}), row({"7"})},
                                       {"2", KeyedKind::remove, row({"b"}), {}}},
              t0 + 2s);
  EXPECT_EQ(show(model.visible(0, t0 + 2s)), "~ a 7\n- b 2\n");
}

TEST(TableModel, HeaderFigures) {
  TableModel model;
  model.set_columns(k_columns, 0);
  const auto t0 = Clock::now();
  model.apply({{"1", 1, row({"a", "1"})}, {"1", 1, row({"b", "1"})}}, t0);
  model.progress("1700000000000", t0);
  EXPECT_EQ(model.last_timestamp(), "1700000000000");
  EXPECT_DOUBLE_EQ(model.change_rate(t0 + 1s), 2.0 / 5.0);  // over a 5 s window
  EXPECT_EQ(model.change_rate(t0 + 10s), 0.0);
}

}  // namespace
}  // namespace shop::watch
