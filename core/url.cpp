#include "core/url.hpp"

#include <algorithm>
#include <charconv>

#include "core/error.hpp"

namespace shop {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool needs_encoding(char c) {
  const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || c == '.' || c == '~';
  return !unreserved;
}

std::string percent_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    if (needs_encoding(c)) {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += k_hex[byte >> 4];
      out += k_hex[byte & 0x0F];
    } else {
      out += c;
    }
  }
  return out;
}

// The length of the scheme of "scheme://..." at the start of `text`, or npos when it does
// not start with one (a scheme is letters, digits, '+', '-' and '.').
size_t scheme_length(std::string_view text) {
  const size_t end = text.find("://");
  if (end == std::string_view::npos) return end;
  const bool valid = std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
  });
  return valid ? end : std::string_view::npos;
}

// `text` is one URL argument (perhaps with a mistyped or no "scheme://"), not free text:
// its password runs from the first ':' after the scheme to the LAST '@', whatever is
// between (also a space or a quote, which end a URL for mask_password()).
std::string mask_url_argument(std::string_view text) {
  std::string out(text);
  const size_t scheme_end = scheme_length(out);
  const size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const size_t at = out.rfind('@');
  const size_t colon = out.find(':', start);
  if (at != std::string::npos && at >= start && colon < at) out.replace(colon + 1, at - colon - 1, "****");
  return mask_password(out);
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (high < 0 || low < 0) throw UsageError("malformed percent-escape in '" + mask_password(text) + "'");
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string MysqlUrl::masked() const {
  std::string out = "mysql://" + percent_encode(user);
  if (has_password) out += ":****";
  out += '@';
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':' + std::to_string(port) + '/' + percent_encode(database);
  return out;
}

MysqlUrl parse_mysql_url(std::string_view text, std::string_view source, const std::string* fallback_password) {
  const auto fail = [&](std::string_view why) -> UsageError {
    return UsageError(std::string(source) + ": " + std::string(why) + " in '" + mask_url_argument(text) +
                      "' (expected a URL like mysql://root@127.0.0.1:3306/shop)");
  };
  const auto decode = [&](std::string_view part) {
    try {
      return percent_decode(part);
    } catch (const UsageError&) {
      throw fail("malformed %-escape");
    }
  };
  MysqlUrl url;
  std::string_view rest = text;
  const auto scheme_end = scheme_length(rest);  // not echoed unless it is one: the password may be in it
  if (scheme_end == std::string_view::npos) throw fail("missing scheme");
  const auto scheme = rest.substr(0, scheme_end);
  if (scheme != "mysql" && scheme != "mariadb") throw fail("unsupported scheme '" + std::string(scheme) + "'");
  rest.remove_prefix(scheme_end + 3);

  if (const auto query = rest.find('?'); query != std::string_view::npos) {
    throw fail("query parameters are not supported");
  }
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const auto database = rest.substr(slash + 1);
    if (database.find('/') != std::string_view::npos) throw fail("database name contains '/'");
    if (!database.empty()) url.database = decode(database);
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const auto colon = userinfo.find(':');
    url.user = decode(userinfo.substr(0, colon));
    if (url.user.empty()) throw fail("empty user name");
    if (colon != std::string_view::npos) {
      url.password = decode(userinfo.substr(colon + 1));
      url.has_password = true;
    }
  }
  if (!url.has_password && fallback_password != nullptr) {
    url.password = *fallback_password;
    url.has_password = true;
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw fail("unclosed '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected text after ']'");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) throw fail("missing host");
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned port = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      // The port text is not echoed: with an unencoded '/' in a password it is part of the password.
      throw fail("invalid port (expected 1..65535)");
    }
    url.port = static_cast<uint16_t>(port);
  }
  return url;
}

namespace {

// Masks the user-info password of every "scheme://user:password@host" in `out`. The
// password ends at the LAST '@' before the next whitespace, so an unencoded '/', '?',
// '#' or '@' in it is still masked (masking too much is harmless, too little is not).
void mask_url_passwords(std::string& out) {
  for (size_t scheme_end = out.find("://"); scheme_end != std::string::npos;
       scheme_end = out.find("://", scheme_end + 3)) {
    const size_t start = scheme_end + 3;
    size_t end = out.find_first_of(" \t\n'\"", start);
    if (end == std::string::npos) end = out.size();
    const size_t at = out.rfind('@', end - 1);
    if (at == std::string::npos || at < start) continue;
    const size_t colon = out.find(':', start);
    if (colon == std::string::npos || colon >= at) continue;
    out.replace(colon + 1, at - colon - 1, "****");
  }
}

// Masks libpq keyword values: "password=secret", "password = 'it\'s'" (also as a URL
// query parameter "?password=secret&...").
void mask_keyword_passwords(std::string& out) {
  static constexpr std::string_view k_keyword = "password";
  for (size_t pos = out.find(k_keyword); pos != std::string::npos; pos = out.find(k_keyword, pos + 1)) {
    size_t cursor = pos + k_keyword.size();
    while (cursor < out.size() && out[cursor] == ' ') ++cursor;
    if (cursor >= out.size() || out[cursor] != '=') continue;
    ++cursor;
    while (cursor < out.size() && out[cursor] == ' ') ++cursor;
    size_t value_end = cursor;
    if (value_end < out.size() && out[value_end] == '\'') {
      ++value_end;
      while (value_end < out.size() && out[value_end] != '\'') value_end += out[value_end] == '\\' ? 2u : 1u;
      value_end = std::min(value_end + 1, out.size());
    } else {
      value_end = out.find_first_of(" &\n", cursor);
      if (value_end == std::string::npos) value_end = out.size();
    }
    if (value_end > cursor) out.replace(cursor, value_end - cursor, "****");
  }
}

}  // namespace

std::string mask_password(std::string_view text) {
  std::string out(text);
  mask_url_passwords(out);
  mask_keyword_passwords(out);
  return out;
}

}  // namespace shop
