// tools/restock/alert.cpp: shop-watch's jsonl lines as low-stock signals.
#include "alert.hpp"

#include <gtest/gtest.h>

namespace shop::restock {
namespace {

Signal signal_of(std::string_view line) {
  auto parsed = parse_signal(line);
  EXPECT_TRUE(std::holds_alternative<Signal>(parsed)) << line << ": " << std::get<std::string>(parsed);
  return std::holds_alternative<Signal>(parsed) ? std::get<Signal>(parsed) : Signal{};
}

std::string error_of(std::string_view line) {
  auto parsed = parse_signal(line);
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << line;
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string();
}

TEST(ParseSignal, PlainChanges) {
  const Signal in = signal_of(R"({"ts": 1700000000000, "diff": 1, "row": {"item_id": 7, "name": "x", "stock": 42}})");
  EXPECT_EQ(in.item_id, 7u);
  EXPECT_EQ(in.stock, 42);
  EXPECT_TRUE(in.entering);
  const Signal out = signal_of(R"({"ts": 2, "diff": -1, "row": {"item_id": 7, "stock": 42}})");
  EXPECT_FALSE(out.entering);
  const Signal twice = signal_of(R"({"ts": 2, "diff": 2, "row": {"item_id": "8"}})");  // ids as text, no stock
  EXPECT_EQ(twice.item_id, 8u);
  EXPECT_FALSE(twice.stock.has_value());
}

TEST(ParseSignal, KeyedUpsertsAndDeletes) {
  const Signal upsert = signal_of(R"({"ts": 3, "state": "upsert", "key": {"item_id": 9}, "value": {"stock": 5}})");
  EXPECT_EQ(upsert.item_id, 9u);
  EXPECT_EQ(upsert.stock, 5);
  EXPECT_TRUE(upsert.entering);
  const Signal removed = signal_of(R"({"ts": 4, "state": "delete", "key": {"item_id": 9}, "value": null})");
  EXPECT_FALSE(removed.entering);
  const Signal keyed_by_other = signal_of(R"({"ts": 4, "state": "upsert", "key": {"id": 1}, "value": {"item_id": 3, "stock": 1.0}})");
  EXPECT_EQ(keyed_by_other.item_id, 3u);
  EXPECT_EQ(keyed_by_other.stock, 1);
}

TEST(ParseSignal, MalformedLinesSayWhy) {
  EXPECT_NE(error_of("garbage").find("not JSON"), std::string::npos);
  EXPECT_EQ(error_of("[1, 2]"), "not a JSON object");
  EXPECT_NE(error_of(R"({"item_id": 1})").find("not shop-watch's jsonl"), std::string::npos);
  EXPECT_EQ(error_of(R"({"diff": 1, "row": {"stock": 3}})"), "no \"item_id\"");
  EXPECT_EQ(error_of(R"({"diff": 1, "row": {"item_id": -4}})"), "\"item_id\" is not a positive integer");
  EXPECT_EQ(error_of(R"({"diff": 1, "row": {"item_id": "abc"}})"), "\"item_id\" is not a positive integer");
  EXPECT_EQ(error_of(R"({"diff": 1, "row": 5})"), "no \"row\" object");
  // Beyond int64 (simdjson gives them as doubles): refused, not cast (undefined behaviour;
  // found by tests/fuzz/fuzz_restock_alert).
  EXPECT_EQ(error_of(R"({"diff": 1, "row": {"item_id": 1e300}})"), "\"item_id\" is not a positive integer");
  EXPECT_FALSE(signal_of(R"({"diff": 1, "row": {"item_id": 1, "stock": 18446744073709551615}})").stock.has_value());
}

}  // namespace
}  // namespace shop::restock
