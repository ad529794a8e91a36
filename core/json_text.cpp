#include "core/json_text.hpp"

#include <fmt/format.h>

#include <iterator>

namespace shop {
namespace {

// The length of the UTF-8 sequence that starts at text[i] (a byte >= 0x80) when it is
// well-formed (RFC 3629 section 4: no overlong form, no surrogate, nothing past
// U+10FFFF), else, negated, the length of its maximal ill-formed subpart (Unicode 15,
// section 3.9, U+FFFD substitution): the bytes one U+FFFD replaces.
int utf8_sequence(std::string_view text, size_t i) noexcept {
  const auto lead = static_cast<unsigned char>(text[i]);
  int length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return -1;  // a continuation byte, C0, C1, F5..FF
  }
  for (int k = 1; k < length; ++k) {
    const size_t at = i + static_cast<size_t>(k);
    if (at >= text.size()) return -k;
    const auto byte = static_cast<unsigned char>(text[at]);
    if (k == 1 ? byte < low || byte > high : byte < 0x80 || byte > 0xBF) return -k;
  }
  return length;
}

}  // namespace

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
