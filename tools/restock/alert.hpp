#pragma once
// One line of shop-watch's jsonl output read as a low-stock signal: plain changes
//   {"ts": ..., "diff": 1, "row": {"item_id": 7, "stock": 42, ...}}
// or --key upserts
//   {"ts": ..., "state": "upsert", "key": {"item_id": 7}, "value": {"stock": 42, ...}}.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace shop::restock {

struct Signal {
  uint64_t item_id;
  std::optional<int64_t> stock;  // the stock the view saw, when it carries one
  bool entering;                 // an item entering the view (diff > 0, upsert); false: leaving
};

// The signal on `line`, or the reason it is malformed (a message without the line number).
[[nodiscard]] std::variant<Signal, std::string> parse_signal(std::string_view line);

}  // namespace shop::restock
