#pragma once
// A result row as one compact string (one allocation per row, hashable as is): for each
// column a tag byte, then for a value its length as a varint and its bytes. Values are
// libpq's text forms; NULL is kept apart from the empty string.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop::watch {

using Row = std::string;
using Field = std::optional<std::string_view>;  // nullopt: NULL

class RowBuilder {
 public:
  void add(Field value);
  void add_null() { m_row += '\0'; }
  void add_value(std::string_view value);
  // The finished row; the builder starts again empty.
  [[nodiscard]] Row take();

 private:
  Row m_row;
};

// The fields of a row, in order (views into `row`).
[[nodiscard]] std::vector<Field> fields_of(std::string_view row);

// A row built from fields (tests and the table's key columns).
[[nodiscard]] Row make_row(const std::vector<Field>& fields);

}  // namespace shop::watch
