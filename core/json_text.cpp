#include "core/json_text.hpp"

#include <fmt/format.h>

#include <iterator>

#include "core/text.hpp"

namespace shop {
namespace {

// Appends `text`, bytes below 0x80 for which `is_plain` holds as they are (in runs, one
// append each), the others through `escape`; each well-formed UTF-8 sequence as it is and
// each ill-formed one as \ufffd (its maximal ill-formed subpart: Unicode 15, section 3.9).
template <typename IsPlain, typename Escape>
void append_repaired(std::string& out, std::string_view text, IsPlain is_plain, Escape escape) {
  size_t copied = 0;  // text[copied, i) goes out as it is
  size_t i = 0;
  const auto flush = [&] { out.append(text.data() + copied, i - copied); };
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80 && is_plain(c)) {
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
    escape(out, c);
    copied = ++i;
  }
  flush();
}

}  // namespace

// RFC 8259: section 7 (escapes) and 8.1 (JSON text is UTF-8, so what is not is replaced).
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_repaired(
      out, text, [](unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; },
      [](std::string& to, unsigned char c) {
        switch (c) {
          case '"': to += "\\\""; break;
          case '\\': to += "\\\\"; break;
          case '\n': to += "\\n"; break;
          case '\r': to += "\\r"; break;
          case '\t': to += "\\t"; break;
          default: fmt::format_to(std::back_inserter(to), "\\u{:04x}", static_cast<unsigned>(c));
        }
      });
  out += '"';
}

void append_json_text(std::string& out, std::string_view json) {
  // Ill-formed UTF-8 can only be inside a string here (the server's parser refused it
  // elsewhere), where \ufffd is valid. A raw control character in checked JSON text is
  // whitespace between tokens (RFC 8259 section 2: tab, line feed, carriage return; a
  // string holds them only escaped): a space keeps the text one line.
  append_repaired(
      out, json, [](unsigned char c) { return c >= 0x20; }, [](std::string& to, unsigned char) { to += ' '; });
}

}  // namespace shop
