#include "request_target.hpp"

namespace shop::serve {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text`; nullopt for a bad escape or a control byte. `plus_is_space`
// for query values (application/x-www-form-urlencoded).
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;  // needs two hex digits
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return std::nullopt;
    decoded += c;
  }
  return decoded;
}

}  // namespace

std::optional<RequestTarget> parse_request_target(std::string_view target) {
  if (target.empty() || target.front() != '/') return std::nullopt;  // absolute-form, '*', ...
  RequestTarget parsed;
  const size_t question = target.find('?');
  if (question != std::string_view::npos) {
    parsed.query = std::string(target.substr(question + 1));
    target = target.substr(0, question);
  }
  if (target.find('#') != std::string_view::npos) return std::nullopt;  // a fragment is never sent
  size_t start = 1;
  while (start <= target.size()) {
    const size_t slash = target.find('/', start);
    const std::string_view raw = target.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const auto segment = percent_decode(raw, false);
    if (!segment) return std::nullopt;
    if (*segment == "." || *segment == ".." || segment->find_first_of("/\\") != std::string::npos) return std::nullopt;
    // An empty segment is only allowed last ("/" or a trailing slash), not "//".
    if (segment->empty() && slash != std::string_view::npos) return std::nullopt;
    if (!segment->empty()) parsed.segments.push_back(*segment);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parsed;
}

std::optional<std::string> query_parameter(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    const size_t amp = query.find('&', start);
    const std::string_view pair = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    const size_t equals = pair.find('=');
    const auto key = percent_decode(pair.substr(0, equals), true);
    if (key && *key == name) {
      if (equals == std::string_view::npos) return std::string();
      return percent_decode(pair.substr(equals + 1), true);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return std::nullopt;
}

bool is_asset_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace shop::serve
