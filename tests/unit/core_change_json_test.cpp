// core/change_json.cpp: the JSON shapes of rows and changes (shop-watch --format jsonl).
#include "core/change_json.hpp"

#include <gtest/gtest.h>

#include "core/row.hpp"

namespace shop {
namespace {

Row row_of(std::initializer_list<Field> fields) {
  RowBuilder builder;
  for (const Field& field : fields) builder.add(field);
  return builder.take();
}

ChangeJson json_for(std::vector<ColumnInfo> columns) {
  ChangeJson json;
  json.set_columns(columns);
  return json;
}

TEST(ChangeJson, AChangeWithTypedValuesAndNull) {
  const auto json = json_for({{"id", ColumnKind::number}, {"name \"x\"", ColumnKind::text}, {"ok", ColumnKind::boolean}});
  std::string out;
  json.append_change(out, "1700000000000", -1, row_of({"7", "a\tb", std::nullopt}));
  EXPECT_EQ(out, R"({"ts": 1700000000000, "diff": -1, "row": {"id": 7, "name \"x\"": "a\tb", "ok": null}})");
}

TEST(ChangeJson, ATimestampThatIsNotANumberIsAString) {
  const auto json = json_for({{"n", ColumnKind::number}});
  std::string out;
  json.append_change(out, "12:00", 1, row_of({"1"}));
  EXPECT_EQ(out, R"({"ts": "12:00", "diff": 1, "row": {"n": 1}})");
}

TEST(ChangeJson, KeyedChangesNameTheirStateAndValueColumnsFollowTheKey) {
  const auto json = json_for({{"item_id", ColumnKind::number}, {"stock", ColumnKind::number}});
  std::string out;
  json.append_keyed_change(out, KeyedChange{"5", KeyedKind::upsert, row_of({"3"}), row_of({"12"})}, 1);
  EXPECT_EQ(out, R"({"ts": 5, "state": "upsert", "key": {"item_id": 3}, "value": {"stock": 12}})");
  out.clear();
  json.append_keyed_change(out, KeyedChange{"6", KeyedKind::remove, row_of({"3"}), Row()}, 1);
  EXPECT_EQ(out, R"({"ts": 6, "state": "delete", "key": {"item_id": 3}, "value": null})");
}

}  // namespace
}  // namespace shop
