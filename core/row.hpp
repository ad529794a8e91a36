#pragma once
// A result row as one compact string (one allocation per row, hashable as is): for each
// column a tag byte, then for a value its length as a varint and its bytes. Values are
// libpq's text forms; NULL is kept apart from the empty string.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop {

using Row = std::string;
using Field = std::optional<std::string_view>;  // nullopt: NULL

class RowBuilder {
 public:
  void add(Field value);
  void add_null() { m_row += '\0'; }
  void add_value(std::string_view value);
  // The finished row; the builder starts again empty.
  [[nodiscard]] Row take();
  // The row so far (valid until the next change), and starting again without freeing.
  [[nodiscard]] std::string_view view() const noexcept { return m_row; }
  void clear() noexcept { m_row.clear(); }

 private:
  Row m_row;
};

// Calls visit(field) for each field of `row` in order (views into `row`), allocating
// nothing: the stream writers run this once per emitted row.
template <typename Visit>
void for_each_field(std::string_view row, Visit&& visit) {
  size_t at = 0;
  while (at < row.size()) {
    if (row[at++] == '\0') {
      visit(Field());
      continue;
    }
    size_t length = 0;
    int shift = 0;
    for (;;) {
      const auto byte = static_cast<unsigned char>(row[at++]);
      length |= static_cast<size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
      shift += 7;
    }
    visit(Field(row.substr(at, length)));
    at += length;
  }
}

// The fields of a row, in order (views into `row`).
[[nodiscard]] std::vector<Field> fields_of(std::string_view row);

// A row built from fields (tests and the table's key columns).
[[nodiscard]] Row make_row(const std::vector<Field>& fields);

}  // namespace shop
