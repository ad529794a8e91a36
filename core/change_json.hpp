#pragma once
// The JSON shapes of a result's rows and changes, written once for every program that
// serves them (shop-watch --format jsonl; shop-serve's API and event stream, issue 14):
//   a change        {"ts": T, "diff": D, "row": {"col": value, ...}}
//   a keyed change  {"ts": T, "state": "upsert", "key": {...}, "value": {...}}
//                   ("delete" and "key_violation" have "value": null)
// Values are typed by column kind (numbers as numbers, NULL as null, json as is); a
// timestamp that is all digits (mz_timestamp, epoch milliseconds) is a number.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/change_source.hpp"
#include "core/result_state.hpp"

namespace shop {

class ChangeJson {
 public:
  // The columns of the rows to come (with --key: key columns first). Their names are
  // escaped here, once, not once per row.
  void set_columns(const std::vector<ColumnInfo>& columns);

  // Appends `row` (a Row's bytes) as a JSON object of the columns from `first_column` on.
  void append_row(std::string& out, std::string_view row, size_t first_column = 0) const;
  // Appends one change, without a newline.
  void append_change(std::string& out, const std::string& timestamp, int64_t diff, std::string_view row) const;
  // Appends one keyed change, without a newline; the value's columns follow the
  // `key_count` key columns.
  void append_keyed_change(std::string& out, const KeyedChange& change, size_t key_count) const;

 private:
  std::vector<ColumnInfo> m_columns;
  std::vector<std::string> m_keys;  // per column: its name as a JSON string and ": "
};

// Appends a timestamp: a JSON number when it is all digits, else a JSON string.
void append_json_timestamp(std::string& out, const std::string& timestamp);

}  // namespace shop
