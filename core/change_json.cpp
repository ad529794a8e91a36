#include "core/change_json.hpp"

#include <algorithm>

#include "core/postgres.hpp"
#include "core/row.hpp"
#include "core/json_text.hpp"

namespace shop {

void append_json_timestamp(std::string& out, const std::string& timestamp) {
  const bool digits = !timestamp.empty() && std::all_of(timestamp.begin(), timestamp.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (digits) {
    out += timestamp;
  } else {
    append_json_string(out, timestamp);
  }
}

void ChangeJson::set_columns(const std::vector<ColumnInfo>& columns) {
  m_columns = columns;
  m_keys.clear();
  for (const auto& column : columns) {
    std::string key;
    append_json_string(key, column.name);
    m_keys.push_back(key + ": ");
  }
}

void ChangeJson::append_row(std::string& out, std::string_view row, size_t first_column) const {
  out += '{';
  size_t i = 0;
  for_each_field(row, [&](Field field) {
    const size_t column = first_column + i;
    if (i++ > 0) out += ", ";
    out += m_keys.at(column);
    if (field) {
      append_json_value(out, *field, m_columns[column].kind);
    } else {
      out += "null";
    }
  });
  out += '}';
}

void ChangeJson::append_change(std::string& out, const std::string& timestamp, int64_t diff,
                               std::string_view row) const {
  out += "{\"ts\": ";
  append_json_timestamp(out, timestamp);
  out += ", \"diff\": ";
  out += std::to_string(diff);
  out += ", \"row\": ";
  append_row(out, row);
  out += '}';
}

void ChangeJson::append_keyed_change(std::string& out, const KeyedChange& change, size_t key_count) const {
  out += "{\"ts\": ";
  append_json_timestamp(out, change.timestamp);
  out += ", \"state\": \"";
  out += keyed_state_name(change.kind);
  out += "\", \"key\": ";
  append_row(out, change.key);
  out += ", \"value\": ";
  if (change.kind == KeyedKind::upsert) {
    append_row(out, change.value, key_count);
  } else {
    out += "null";
  }
  out += '}';
}

}  // namespace shop
