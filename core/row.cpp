#include "core/row.hpp"

#include <stdexcept>

namespace shop {

void RowBuilder::add(Field value) {
  if (value) {
    add_value(*value);
  } else {
    add_null();
  }
}

void RowBuilder::add_value(std::string_view value) {
  m_row += '\1';
  size_t length = value.size();
  do {  // LEB128 varint
    auto byte = static_cast<unsigned char>(length & 0x7F);
    length >>= 7;
    if (length != 0) byte |= 0x80;
    m_row += static_cast<char>(byte);
  } while (length != 0);
  m_row += value;
}

Row RowBuilder::take() {
  Row row = std::move(m_row);
  m_row.clear();
  return row;
}

std::vector<Field> fields_of(std::string_view row) {
  std::vector<Field> fields;
  size_t at = 0;
  while (at < row.size()) {
    if (row[at++] == '\0') {
      fields.emplace_back(std::nullopt);
      continue;
    }
    size_t length = 0;
    int shift = 0;
    for (;;) {
      if (at >= row.size()) throw std::logic_error("malformed row");
      const auto byte = static_cast<unsigned char>(row[at++]);
      length |= static_cast<size_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
      shift += 7;
    }
    if (at + length > row.size()) throw std::logic_error("malformed row");
    fields.emplace_back(row.substr(at, length));
    at += length;
  }
  return fields;
}

Row make_row(const std::vector<Field>& fields) {
  RowBuilder builder;
  for (const auto& field : fields) builder.add(field);
  return builder.take();
}

}  // namespace shop
