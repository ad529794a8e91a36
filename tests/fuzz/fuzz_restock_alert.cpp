// Fuzzes tools/restock/alert.cpp: parse_signal() on shop-watch's jsonl lines.
//
// Two checks per input:
//   - the input as a line: a Signal (item_id > 0) or a non-empty reason, never a crash or
//     an exception; the same line parses the same way twice (the parser is reused);
//   - a line built from the input's bytes in both shapes (a change with "diff"/"row", an
//     upsert with "state"/"key"/"value"), with item_id and stock written as JSON integers
//     (any int64/uint64), reals or strings: the Signal carries exactly the integer that
//     was written, or the line is refused when item_id is not a positive integer.
#include <fuzzer/FuzzedDataProvider.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <variant>

#include "alert.hpp"

namespace {

using shop::restock::Signal;

[[noreturn]] void violated(const char* what, const std::string& line) {
  std::fprintf(stderr, "fuzz_restock_alert: invariant violated: %s\nline: %s\n", what, line.c_str());
  std::abort();
}

bool same(const std::variant<Signal, std::string>& a, const std::variant<Signal, std::string>& b) {
  if (a.index() != b.index()) return false;
  if (const auto* error = std::get_if<std::string>(&a)) return *error == std::get<std::string>(b);
  const auto& x = std::get<Signal>(a);
  const auto& y = std::get<Signal>(b);
  return x.item_id == y.item_id && x.stock == y.stock && x.entering == y.entering;
}

// A JSON value for an integer column, and the integer parse_signal() must read from it.
struct Written {
  std::string json;
  std::optional<int64_t> integer;
};

Written integer_value(FuzzedDataProvider& data) {
  char buffer[64];
  switch (data.ConsumeIntegralInRange(0, 5)) {
    case 0: {
      const auto value = data.ConsumeIntegral<int64_t>();
      std::snprintf(buffer, sizeof buffer, "%" PRId64, value);
      return {buffer, value};
    }
    case 1: {  // beyond int64 as a JSON integer: not an int64
      const auto value = data.ConsumeIntegralInRange<uint64_t>(uint64_t{INT64_MAX} + 1, UINT64_MAX);
      std::snprintf(buffer, sizeof buffer, "%" PRIu64, value);
      return {buffer, std::nullopt};
    }
    case 2: {  // a real, e.g. 42.0 from a numeric column: an integer when it is one
      const double value = data.ConsumeFloatingPoint<double>();
      if (!std::isfinite(value)) return {"null", std::nullopt};
      std::snprintf(buffer, sizeof buffer, "%.17g", value);
      std::string text = buffer;
      if (text.find_first_of(".e") == std::string::npos) text += ".0";
      const double read = std::strtod(text.c_str(), nullptr);
      const bool integral = read == std::trunc(read) && read >= -9223372036854775808.0 && read < 9223372036854775808.0;
      return {text, integral ? std::optional<int64_t>(static_cast<int64_t>(read)) : std::nullopt};
    }
    case 3: {  // digits in a string
      const auto value = data.ConsumeIntegral<int64_t>();
      std::snprintf(buffer, sizeof buffer, "\"%" PRId64 "\"", value);
      return {buffer, value};
    }
    case 4: {  // any short string (escaped): an integer only if it is all one
      std::string text = data.ConsumeRandomLengthString(24);
      std::string json = "\"";
      for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || u < 0x20 || u >= 0x80) {
          std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
          json += buffer;
        } else {
          json += c;
        }
      }
      json += '"';
      bool digits = !text.empty();
      for (size_t i = 0; i < text.size(); ++i) {
        digits = digits && ((text[i] >= '0' && text[i] <= '9') || (i == 0 && text[i] == '-' && text.size() > 1));
      }
      if (!digits) return {json, std::nullopt};
      // Only when it has no high bytes (escaped above as \u00XX, which decode differently).
      errno = 0;
      const long long value = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE) return {json, std::nullopt};
      return {json, static_cast<int64_t>(value)};
    }
    default:
      return {data.ConsumeBool() ? "true" : "[1]", std::nullopt};
  }
}

void check_built_line(FuzzedDataProvider& data) {
  const bool upsert = data.ConsumeBool();
  const int diff = data.ConsumeIntegralInRange(-3, 3);
  const bool delete_state = data.ConsumeBool();
  const Written item = integer_value(data);
  const bool with_stock = data.ConsumeBool();
  const Written stock = integer_value(data);
  std::string line;
  if (upsert) {
    line = std::string("{\"ts\": 17, \"state\": \"") + (delete_state ? "delete" : "upsert") +
           "\", \"key\": {\"item_id\": " + item.json + "}, \"value\": {\"name\": \"x\"" +
           (with_stock ? ", \"stock\": " + stock.json : "") + "}}";
  } else {
    line = "{\"ts\": 17, \"diff\": " + std::to_string(diff) + ", \"row\": {\"item_id\": " + item.json +
           (with_stock ? ", \"stock\": " + stock.json : "") + "}}";
  }
  const auto parsed = shop::restock::parse_signal(line);
  if (!item.integer || *item.integer <= 0) {
    if (!std::holds_alternative<std::string>(parsed)) violated("item_id not a positive integer: refused", line);
    return;
  }
  const auto* signal = std::get_if<Signal>(&parsed);
  if (signal == nullptr) violated("a well-formed line parses", line);
  if (signal->item_id != static_cast<uint64_t>(*item.integer)) violated("item_id as written", line);
  if (signal->entering != (upsert ? !delete_state : diff > 0)) violated("entering from diff/state", line);
  const bool stock_expected = with_stock && stock.json != "null";
  if (stock_expected && signal->stock != stock.integer) violated("stock as written", line);
  if (!stock_expected && signal->stock.has_value()) violated("no stock written, none read", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  const auto first = shop::restock::parse_signal(line);
  if (const auto* signal = std::get_if<Signal>(&first); signal != nullptr && signal->item_id == 0) {
    violated("item_id is positive", line);
  }
  if (const auto* error = std::get_if<std::string>(&first); error != nullptr && error->empty()) {
    violated("a refused line says why", line);
  }
  if (!same(first, shop::restock::parse_signal(line))) violated("the same line parses the same way twice", line);

  FuzzedDataProvider provider(data, size);
  check_built_line(provider);
  return 0;
}
