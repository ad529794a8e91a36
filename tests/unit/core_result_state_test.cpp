// core/result_state.cpp and core/row.cpp: the state machine behind every source.
#include "core/result_state.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace shop {
namespace {

Row row(std::initializer_list<std::optional<std::string_view>> fields) {
  return make_row(std::vector<Field>(fields.begin(), fields.end()));
}

RowTable rows_of(std::initializer_list<std::pair<Row, int64_t>> rows) {
  RowTable table;
  for (const auto& [r, count] : rows) table.add(r, count);
  return table;
}

std::string show(const std::vector<Change>& changes) {
  std::string text;
  for (const auto& change : changes) {
    text += change.timestamp + (change.diff > 0 ? " +" : " ") + std::to_string(change.diff);
    for (const auto& field : fields_of(change.row)) text += " " + (field ? std::string(*field) : std::string("NULL"));
    text += "\n";
  }
  return text;
}

TEST(Row, KeepsNullApartFromEmptyAndSurvivesAnyBytes) {
  const std::string long_value(300, 'x');
  const Row r = row({std::nullopt, "", "a\tb\0c", long_value});
  const auto fields = fields_of(r);
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_FALSE(fields[0].has_value());
  EXPECT_EQ(fields[1], "");
  EXPECT_EQ(fields[2], std::string_view("a\tb\0c", 3));  // the literal stops at \0: "a\tb"
  EXPECT_EQ(fields[3], long_value);
  EXPECT_NE(row({std::nullopt}), row({""}));
}

TEST(TimestampLess, OrdersDecimalTextAsNumbers) {
  EXPECT_TRUE(timestamp_less("99", "100"));
  EXPECT_FALSE(timestamp_less("100", "99"));
  EXPECT_TRUE(timestamp_less("1700000000000", "1700000000001"));
  EXPECT_FALSE(timestamp_less("5", "5"));
}

TEST(ResultState, NothingShowsBeforeProgressClosesTheTimestamp) {
  ResultState state;
  state.stage("10", 1, row({"1", "a"}));
  EXPECT_TRUE(state.rows().empty());
  EXPECT_TRUE(state.has_staged());
  EXPECT_EQ(show(state.close()), "10 +1 1 a\n");
  EXPECT_EQ(state.row_count(), 1u);
  EXPECT_FALSE(state.has_staged());
}

TEST(ResultState, MultiplicitiesAndCancellingChanges) {
  ResultState state;
  state.stage("10", 1, row({"x"}));
  state.stage("10", 1, row({"x"}));
  state.stage("10", 1, row({"y"}));
  state.stage("10", -1, row({"y"}));  // in and out within one timestamp: no change at all
  EXPECT_EQ(show(state.close()), "10 +2 x\n");
  EXPECT_EQ(state.row_count(), 2u);
  EXPECT_EQ(state.rows().count(row({"x"})), 2);
  state.stage("11", -1, row({"x"}));
  EXPECT_EQ(show(state.close()), "11 -1 x\n");
  EXPECT_EQ(state.rows().count(row({"x"})), 1);
}

TEST(ResultState, AnUpdateIsARemovalThenAnAddition) {
  ResultState state;
  state.stage("1", 1, row({"1", "old"}));
  (void)state.close();
  // The server may send the pair in either order; the stream always reads -old, +new.
  state.stage("2", 1, row({"1", "new"}));
  state.stage("2", -1, row({"1", "old"}));
  EXPECT_EQ(show(state.close()), "2 -1 1 old\n2 +1 1 new\n");
}

TEST(ResultState, SeveralTimestampsCloseInOrder) {
  ResultState state;
  state.stage("20", 1, row({"b"}));
  state.stage("3", 1, row({"a"}));  // numerically first
  EXPECT_EQ(show(state.close()), "3 +1 a\n20 +1 b\n");
}

TEST(ResultState, DiscardedStagingLeavesTheStateAsItWas) {
  ResultState state;
  state.stage("1", 1, row({"a"}));
  state.discard_staged();
  EXPECT_TRUE(state.close().empty());
  EXPECT_TRUE(state.rows().empty());
}

TEST(ResultState, RemovingARowThatIsNotThereIsAnError) {
  ResultState state;
  state.stage("1", -1, row({"ghost"}));
  EXPECT_THROW((void)state.close(), Error);
}

TEST(ResultState, ReplaceEmitsOnlyTheDifference) {
  ResultState state;
  EXPECT_EQ(show(state.replace(rows_of({{row({"a"}), 1}, {row({"b"}), 2}}), "5")).size(),
            std::string("5 +1 a\n5 +2 b\n").size());  // an unordered snapshot: both, in some order
  const auto changes = state.replace(rows_of({{row({"b"}), 1}, {row({"c"}), 1}}), "6");
  // Removals first: a gone, one b fewer; then c.
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(show(std::vector<Change>{changes[2]}), "6 +1 c\n");
  EXPECT_EQ(show(std::vector<Change>{changes[0], changes[1]}).find("6 +"), std::string::npos);
  EXPECT_EQ(state.row_count(), 2u);
  EXPECT_TRUE(state.replace(rows_of({{row({"b"}), 1}, {row({"c"}), 1}}), "7").empty());  // nothing changed
}

std::string show(const std::vector<KeyedChange>& changes) {
  std::string text;
  for (const auto& change : changes) {
    text += change.timestamp + " " +
            (change.kind == KeyedKind::upsert ? "upsert" : change.kind == KeyedKind::remove ? "delete" : "violation");
    for (const auto& field : fields_of(change.key)) text += " " + std::string(field.value_or("NULL"));
    for (const auto& field : fields_of(change.value)) text += " " + std::string(field.value_or("NULL"));
    text += "\n";
  }
  return text;
}

// A progress row at T closes the timestamps below T only: more may still arrive at T
// (doc/user/content/sql/subscribe.md, "PROGRESS").
TEST(ResultState, CloseBeforeLeavesTheBoundAndLaterStaged) {
  ResultState state;
  state.stage("5", 1, row({"a"}));
  state.stage("7", 1, row({"b"}));
  state.stage("9", 1, row({"c"}));
  std::vector<Change> closed;
  state.close_before("7", [&](const std::string& ts, int64_t diff, std::string_view r) {
    closed.push_back({ts, diff, Row(r)});
  });
  EXPECT_EQ(show(closed), "5 +1 a\n");
  EXPECT_TRUE(state.has_staged());
  state.stage("7", 1, row({"b2"}));  // arrives after progress 7
  EXPECT_EQ(show(state.close()), "7 +1 b\n7 +1 b2\n9 +1 c\n");
}

// Without a snapshot (--no-snapshot) rows the state never saw are removed: the changes
// pass through instead of being an error.
TEST(ResultState, WithoutRowsChangesPassThrough) {
  ResultState state(false);
  state.stage("1", -1, row({"from before"}));
  state.stage("1", 1, row({"new"}));
  EXPECT_EQ(show(state.close()), "1 -1 from before\n1 +1 new\n");
}

TEST(KeyedState, WithoutRowsTheLastStatePerKeyPassesThrough) {
  KeyedState state(false);
  state.stage("1", KeyedKind::remove, row({"k1"}), {});  // never seen: still a delete
  state.stage("1", KeyedKind::upsert, row({"k2"}), row({"a"}));
  state.stage("1", KeyedKind::upsert, row({"k2"}), row({"b"}));
  state.stage("2", KeyedKind::upsert, row({"k2"}), row({"b"}));  // the same value again: passed on
  EXPECT_EQ(show(state.close_before("2")), "1 delete k1\n1 upsert k2 b\n");
  EXPECT_EQ(show(state.close()), "2 upsert k2 b\n");
}

TEST(KeyedState, TheLastStateOfEachKeyPerTimestamp) {
  KeyedState state;
  state.stage("1", KeyedKind::upsert, row({"k1"}), row({"a"}));
  state.stage("1", KeyedKind::upsert, row({"k2"}), row({"b"}));
  state.stage("1", KeyedKind::upsert, row({"k1"}), row({"a2"}));
  EXPECT_EQ(show(state.close()), "1 upsert k1 a2\n1 upsert k2 b\n");
  state.stage("2", KeyedKind::upsert, row({"k2"}), row({"b"}));  // the same value: no change
  state.stage("2", KeyedKind::remove, row({"k1"}), {});
  state.stage("2", KeyedKind::remove, row({"k9"}), {});  // never there: no change
  state.stage("2", KeyedKind::key_violation, row({"k3"}), {});
  EXPECT_EQ(show(state.close()), "2 violation k3\n2 delete k1\n");
  EXPECT_EQ(state.rows().size(), 1u);
}

TEST(KeyedState, ReplaceGivesUpsertsAndDeletes) {
  KeyedState state;
  (void)state.replace({{row({"1"}), row({"a"})}, {row({"2"}), row({"b"})}}, "1");
  const auto changes = state.replace({{row({"2"}), row({"B"})}, {row({"3"}), row({"c"})}}, "2");
  const std::string text = show(changes);
  EXPECT_EQ(text.substr(0, text.find('\n') + 1), "2 delete 1\n");
  EXPECT_NE(text.find("2 upsert 2 B\n"), std::string::npos);
  EXPECT_NE(text.find("2 upsert 3 c\n"), std::string::npos);
  EXPECT_EQ(changes.size(), 3u);
}

}  // namespace
}  // namespace shop
