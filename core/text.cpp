#include "core/text.hpp"

namespace shop {

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


std::string printable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const int length = utf8_sequence(text, i);
      if (length > 0) {
        out.append(text.substr(i, static_cast<size_t>(length)));
        i += static_cast<size_t>(length);
      } else {
        out += "\uFFFD";
        i += static_cast<size_t>(-length);
      }
      continue;
    }
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7F) {
      const unsigned picture = c == 0x7F ? 0x2421 : 0x2400 + c;  // three UTF-8 bytes: E2 90 xx
      out += static_cast<char>(0xE2);
      out += static_cast<char>(0x80 | ((picture >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (picture & 0x3F));
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

}  // namespace shop
