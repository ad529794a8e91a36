// bench/json_writer.sh's program: the jsonl change lines shop-watch and shop-serve write
// (core/change_json.cpp over core/json_text.cpp), against nlohmann::json writing the
// same lines (Debian's nlohmann-json3-dev, 3.11), both checked to give the same JSON.
//
//   json-writer-bench ROWS ROUNDS          both ways, alternating: ns per row, ratio
//   json-writer-bench ours|nlohmann ROWS   one way, once (for callgrind)
// Add "ascii" to use names without non-ASCII characters (the UTF-8 check's cost).
//
// Rows like a view's: item_id, name (every 10th with "café ü €", every 50th with a byte
// that is not UTF-8), category, orders, revenue (numeric text). nlohmann writes with
// error_handler_t::replace, the behaviour the programs need (U+FFFD, not an exception).
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/change_json.hpp"
#include "core/change_source.hpp"
#include "core/row.hpp"

namespace {

struct Source {
  std::vector<shop::Row> rows;  // what ChangeJson reads (libpq's text forms)
  std::vector<std::vector<std::string>> text;
};

Source make_rows(size_t count, bool ascii) {
  static const char* const k_categories[] = {"widgets", "gadgets", "doodads", "clearance"};
  Source source;
  for (size_t i = 1; i <= count; ++i) {
    std::string name = "item " + std::to_string(i);
    if (!ascii && i % 10 == 0) name += " caf\u00e9 \u00fc \u20ac";
    if (!ascii && i % 50 == 0) name += " caf\xe9";
    char revenue[32];
    std::snprintf(revenue, sizeof revenue, "%.2f", static_cast<double>(i % 10007) * 1.37);
    std::vector<std::string> fields = {std::to_string(i), name, k_categories[i % 4], std::to_string(i % 997), revenue};
    shop::RowBuilder builder;
    for (const auto& field : fields) builder.add_value(field);
    source.rows.push_back(builder.take());
    source.text.push_back(std::move(fields));
  }
  return source;
}

const std::vector<shop::ColumnInfo> k_columns = {{"item_id", shop::ColumnKind::number},
                                                 {"name", shop::ColumnKind::text},
                                                 {"category", shop::ColumnKind::text},
                                                 {"orders", shop::ColumnKind::number},
                                                 {"revenue", shop::ColumnKind::number}};

// Each way writes every row's line into `out` (cleared every 1,000 lines, as a stream
// writer's buffer is flushed) and returns the bytes written.
size_t ours(const Source& source, std::string& out, std::string* keep) {
  shop::ChangeJson json;
  json.set_columns(k_columns);
  const std::string timestamp = "1733222400000";
  size_t bytes = 0;
  for (size_t i = 0; i < source.rows.size(); ++i) {
    json.append_change(out, timestamp, 1, source.rows[i]);
    out += '\n';
    if (i % 1000 == 999 || i + 1 == source.rows.size()) {
      bytes += out.size();
      if (keep != nullptr) *keep += out;
      out.clear();
    }
  }
  return bytes;
}

size_t theirs(const Source& source, std::string& out, std::string* keep) {
  size_t bytes = 0;
  for (size_t i = 0; i < source.text.size(); ++i) {
    const auto& fields = source.text[i];
    // Numbers are written as the server gave them (revenue's scale kept), as ours does.
    nlohmann::ordered_json row;
    row["item_id"] = std::strtoll(fields[0].c_str(), nullptr, 10);
    row["name"] = fields[1];
    row["category"] = fields[2];
    row["orders"] = std::strtoll(fields[3].c_str(), nullptr, 10);
    row["revenue"] = std::strtod(fields[4].c_str(), nullptr);
    nlohmann::ordered_json change;
    change["ts"] = 1733222400000LL;
    change["diff"] = 1;
    change["row"] = std::move(row);
    out += change.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
    if (i % 1000 == 999 || i + 1 == source.text.size()) {
      bytes += out.size();
      if (keep != nullptr) *keep += out;
      out.clear();
    }
  }
  return bytes;
}

// Both ways' lines parse (simdjson checks UTF-8 too) and carry the same values.
void check_same(const Source& source) {
  std::string a, b, out;
  ours(source, out, &a);
  theirs(source, out, &b);
  simdjson::dom::parser parser_a, parser_b;
  size_t line = 0;
  for (size_t at_a = 0, at_b = 0; at_a < a.size() && at_b < b.size(); ++line) {
    const size_t end_a = a.find('\n', at_a), end_b = b.find('\n', at_b);
    simdjson::dom::element x, y;
    if (parser_a.parse(a.data() + at_a, end_a - at_a).get(x) != simdjson::SUCCESS ||
        parser_b.parse(b.data() + at_b, end_b - at_b).get(y) != simdjson::SUCCESS) {
      std::fprintf(stderr, "json-writer-bench: line %zu is not valid UTF-8 JSON\n", line + 1);
      std::exit(1);
    }
    for (const char* key : {"item_id", "orders"}) {
      if (int64_t(x["row"][key]) != int64_t(y["row"][key])) {
        std::fprintf(stderr, "json-writer-bench: line %zu: %s differs\n", line + 1, key);
        std::exit(1);
      }
    }
    for (const char* key : {"name", "category"}) {
      if (std::string_view(x["row"][key]) != std::string_view(y["row"][key])) {
        std::fprintf(stderr, "json-writer-bench: line %zu: %s differs\n", line + 1, key);
        std::exit(1);
      }
    }
    if (double(x["row"]["revenue"]) != double(y["row"]["revenue"])) {
      std::fprintf(stderr, "json-writer-bench: line %zu: revenue differs\n", line + 1);
      std::exit(1);
    }
    at_a = end_a + 1;
    at_b = end_b + 1;
  }
  if (line != source.rows.size()) {
    std::fprintf(stderr, "json-writer-bench: %zu lines compared of %zu\n", line, source.rows.size());
    std::exit(1);
  }
}

double seconds_of(size_t (*way)(const Source&, std::string&, std::string*), const Source& source, size_t& bytes) {
  std::string out;
  out.reserve(1 << 20);
  const auto start = std::chrono::steady_clock::now();
  bytes = way(source, out, nullptr);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool ascii = std::find(args.begin(), args.end(), "ascii") != args.end();
  args.erase(std::remove(args.begin(), args.end(), "ascii"), args.end());
  if (args.size() == 2 && (args[0] == "ours" || args[0] == "nlohmann")) {
    const Source source = make_rows(std::stoul(args[1]), ascii);
    size_t bytes = 0;
    seconds_of(args[0] == "ours" ? ours : theirs, source, bytes);
    std::printf("%s: %zu bytes\n", args[0].c_str(), bytes);
    return 0;
  }
  if (args.size() != 2) {
    std::fprintf(stderr, "usage: json-writer-bench ROWS ROUNDS [ascii] | ours|nlohmann ROWS [ascii]\n");
    return 2;
  }
  const size_t rows = std::stoul(args[0]);
  const int rounds = std::stoi(args[1]);
  const Source source = make_rows(rows, ascii);
  check_same(source);
  double best_ours = 1e9, best_theirs = 1e9;
  size_t bytes_ours = 0, bytes_theirs = 0;
  for (int round = 0; round < rounds; ++round) {
    best_ours = std::min(best_ours, seconds_of(ours, source, bytes_ours));
    best_theirs = std::min(best_theirs, seconds_of(theirs, source, bytes_theirs));
  }
  const double per_row = 1e9 / static_cast<double>(rows);
  std::printf("ours      %.1f ns/row, %zu bytes\n", best_ours * per_row, bytes_ours);
  std::printf("nlohmann  %.1f ns/row, %zu bytes\n", best_theirs * per_row, bytes_theirs);
  std::printf("ratio=%.3f\n", best_ours / best_theirs);
  return 0;
}
