#include "core/json_text.hpp"

#include <fmt/format.h>

#include <iterator>

#include "core/text.hpp"

namespace shop {

// RFC 8259: section 7 (escapes) and 8.1 (JSON text is UTF-8, so what is not is replaced).
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  size_t copied = 0;  // text[copied, i) goes out as it is
  size_t i = 0;
  const auto flush = [&] { out.append(text.data() + copied, i - copied); };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int length = utf8_sequence(text, i);
      if (length > 0) {
        i += static_cast<size_t>(length);
        continue;
      }
      flush();
      out += "\\ufffd";
      i += static_cast<size_t>(-length);
      copied = i;
      continue;
    }
    flush();
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    }
    copied = ++i;
  }
  flush();
  out += '"';
}

void append_json_text(std::string& out, std::string_view json) {
  size_t copied = 0;
  size_t i = 0;
  const auto flush = [&] { out.append(json.data() + copied, i - copied); };
  while (i < json.size()) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (c >= 0x20 && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int length = utf8_sequence(json, i);
      if (length > 0) {
        i += static_cast<size_t>(length);
        continue;
      }
      // Inside a string, where the server lets such bytes through.
      flush();
      out += "\\ufffd";
      i += static_cast<size_t>(-length);
      copied = i;
      continue;
    }
    // A raw control character in checked JSON text is whitespace between tokens (RFC 8259
    // section 2: tab, line feed, carriage return; a string holds them only escaped).
    flush();
    out += ' ';
    copied = ++i;
  }
  flush();
}

}  // namespace shop
