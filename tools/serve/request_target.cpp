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

bool is_unreserved_or_sub_delim(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._~!$&'()*+,;=").find(c) != std::string_view::npos;
}

// RFC 3986 section 3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ), which
// also covers an IPv4 address.
bool is_reg_name(std::string_view text) noexcept {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0) return false;
      i += 2;
    } else if (!is_unreserved_or_sub_delim(text[i])) {
      return false;
    }
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

bool is_valid_host(std::string_view host) noexcept {
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    // IP-literal = "[" ( IPv6address / IPvFuture ) "]": hex digits, ':', '.', and
    // IPvFuture's "v" HEX "." ( unreserved / sub-delims / ":" ).
    const size_t close = host.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (const char c : host.substr(1, close - 1)) {
      if (!is_unreserved_or_sub_delim(c) && c != ':') return false;
    }
    if (close + 1 < host.size() && host[close + 1] != ':') return false;
    if (close + 1 < host.size()) port = host.substr(close + 2);
  } else {
    const size_t colon = host.find(':');  // a reg-name has none
    if (!is_reg_name(host.substr(0, colon))) return false;
    if (colon != std::string_view::npos) port = host.substr(colon + 1);
  }
  return port.find_first_not_of("0123456789") == std::string_view::npos;  // port = *DIGIT
}

std::optional<RequestTarget> parse_request_target(std::string_view target) {
  // RFC 9112 section 3.2.2: absolute-form, "http" "://" authority path-abempty [ "?" query ],
  // the scheme case-insensitive (RFC 3986 section 3.1). Its authority is what Host would
  // say (RFC 9112 section 3.2.2: the server then ignores Host), so it is held to Host's
  // rules, with a host that is not empty (RFC 9110 section 4.2.1) and no userinfo (4.2.4).
  constexpr std::string_view k_http = "http://";
  if (target.size() >= k_http.size() && iequals(target.substr(0, k_http.size()), k_http)) {
    target.remove_prefix(k_http.size());
    const size_t end = target.find_first_of("/?#");
    const std::string_view authority = target.substr(0, end);
    if (authority.empty() || authority.front() == ':' || !is_valid_host(authority)) return std::nullopt;
    target = end == std::string_view::npos ? std::string_view() : target.substr(end);
    if (target.empty() || target.front() == '?') {
      // An empty path is "/" (RFC 9110 section 4.2.3).
      RequestTarget parsed;
      if (!target.empty()) parsed.query = std::string(target.substr(1));
      return parsed;
    }
  }
  if (target.empty() || target.front() != '/') return std::nullopt;  // '*', authority-form, another scheme
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
