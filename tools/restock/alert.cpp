#include "alert.hpp"

#include <simdjson.h>

#include <charconv>
#include <vector>

namespace shop::restock {
namespace {

// An integer from a JSON number or a string of digits (numeric columns may be either).
std::optional<int64_t> integer_of(simdjson::dom::element value) {
  int64_t number = 0;
  if (value.get_int64().get(number) == simdjson::SUCCESS) return number;
  uint64_t unsigned_number = 0;
  if (value.get_uint64().get(unsigned_number) == simdjson::SUCCESS && unsigned_number <= INT64_MAX) {
    return static_cast<int64_t>(unsigned_number);
  }
  double real = 0;
  // In range before the cast (casting 1e300 or 2^63 to int64 is undefined): [-2^63, 2^63).
  if (value.get_double().get(real) == simdjson::SUCCESS && real >= -0x1p63 && real < 0x1p63 &&
      real == static_cast<double>(static_cast<int64_t>(real))) {
    return static_cast<int64_t>(real);  // e.g. 42.0 from a numeric column
  }
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error == std::errc() && end == text.data() + text.size()) return parsed;
  }
  return std::nullopt;
}

// A field from the first object that has it.
std::optional<simdjson::dom::element> field(const std::vector<simdjson::dom::element>& objects,
                                            std::string_view name) {
  for (const auto& object : objects) {
    simdjson::dom::element value;
    if (object.is_object() && object[name].get(value) == simdjson::SUCCESS) return value;
  }
  return std::nullopt;
}

}  // namespace

std::variant<Signal, std::string> parse_signal(std::string_view line) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (const auto error = parser.parse(simdjson::padded_string(line)).get(document); error != simdjson::SUCCESS) {
    return std::string("not JSON (") + simdjson::error_message(error) + ")";
  }
  if (!document.is_object()) return std::string("not a JSON object");
  Signal signal{};
  std::vector<simdjson::dom::element> objects;
  simdjson::dom::element row;
  simdjson::dom::element key;
  simdjson::dom::element value;
  std::string_view state;
  int64_t diff = 0;
  if (document["diff"].get(diff) == simdjson::SUCCESS) {
    if (document["row"].get(row) != simdjson::SUCCESS || !row.is_object()) return std::string("no \"row\" object");
    signal.entering = diff > 0;
    objects = {row};
  } else if (document["state"].get(state) == simdjson::SUCCESS) {
    if (document["key"].get(key) != simdjson::SUCCESS || !key.is_object()) return std::string("no \"key\" object");
    if (document["value"].get(value) != simdjson::SUCCESS) value = key;  // a delete may omit it
    signal.entering = state == "upsert";
    objects = {key, value};
  } else {
    return std::string("neither \"diff\" (a change) nor \"state\" (an upsert): not shop-watch's jsonl");
  }
  const auto item = field(objects, "item_id");
  if (!item) return std::string("no \"item_id\"");
  const auto item_id = integer_of(*item);
  if (!item_id || *item_id <= 0) return std::string("\"item_id\" is not a positive integer");
  signal.item_id = static_cast<uint64_t>(*item_id);
  if (const auto stock = field(objects, "stock"); stock && !stock->is_null()) signal.stock = integer_of(*stock);
  return signal;
}

}  // namespace shop::restock
