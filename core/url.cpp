#include "core/url.hpp"

#include <algorithm>
#include <cctype>
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

// A word from the query shown in a message, or "" when it could be something else: with
// an unencoded '?' in a password, the "query" begins inside the password.
std::string shown_word(std::string_view word) {
  const bool plain = !word.empty() && word.size() <= 32 && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
  });
  return plain ? " '" + std::string(word) + "'" : std::string();
}

// The URL's query: ssl-mode, ssl-ca, ssl-cert, ssl-key ('-' or '_'), '&'-separated.
template <typename Fail, typename Decode>
void parse_tls_query(std::string_view query, MysqlTls& tls, const Fail& fail, const Decode& decode) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    std::string name(pair.substr(0, equals));
    for (auto& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (equals == std::string_view::npos) throw fail("query parameter" + shown_word(name) + " has no value");
    const std::string value = decode(pair.substr(equals + 1));
    if (name == "ssl-mode") {
      const auto mode = parse_mysql_ssl_mode(value);
      if (!mode) {
        throw fail("unknown ssl-mode" + shown_word(value) +
                   " (expected DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY)");
      }
      tls.mode = *mode;
      tls.mode_given = true;
    } else if (name == "ssl-ca") {
      tls.ca = value;
    } else if (name == "ssl-cert") {
      tls.cert = value;
    } else if (name == "ssl-key") {
      tls.key = value;
    } else {
      throw fail("unknown query parameter" + shown_word(name) + " (expected ssl-mode, ssl-ca, ssl-cert or ssl-key)");
    }
  }
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

std::string_view mysql_ssl_mode_name(MysqlSslMode mode) {
  switch (mode) {
    case MysqlSslMode::disabled: return "DISABLED";
    case MysqlSslMode::preferred: return "PREFERRED";
    case MysqlSslMode::required: return "REQUIRED";
    case MysqlSslMode::verify_ca: return "VERIFY_CA";
    case MysqlSslMode::verify_identity: return "VERIFY_IDENTITY";
  }
  return "PREFERRED";
}

std::optional<MysqlSslMode> parse_mysql_ssl_mode(std::string_view name) {
  std::string upper(name);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const auto mode : {MysqlSslMode::disabled, MysqlSslMode::preferred, MysqlSslMode::required,
                          MysqlSslMode::verify_ca, MysqlSslMode::verify_identity}) {
    if (upper == mysql_ssl_mode_name(mode)) return mode;
  }
  return std::nullopt;
}

void settle_mysql_tls(MysqlTls& tls, std::string_view source) {
  // mysql: "specifying --ssl-ca ... without --ssl-mode implies VERIFY_CA" (its
  // connection-options page, --ssl-mode).
  if (!tls.mode_given && !tls.ca.empty()) tls.mode = MysqlSslMode::verify_ca;
  if (tls.cert.empty() != tls.key.empty()) {
    throw UsageError(std::string(source) + ": " + (tls.cert.empty() ? "ssl-key needs ssl-cert" : "ssl-cert needs ssl-key") +
                     " (a client certificate and its key go together)");
  }
}

std::string MysqlUrl::masked() const {
  std::string out = "mysql://" + percent_encode(user);
  if (has_password) out += ":****";
  out += '@';
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ':' + std::to_string(port) + '/' + percent_encode(database);
  if (tls.mode != MysqlSslMode::preferred) out += "?ssl-mode=" + std::string(mysql_ssl_mode_name(tls.mode));
  return out;
}

MysqlUrl parse_mysql_url(std::string_view text, std::string_view source, const std::string* fallback_password,
                         const MysqlTls& fallback_tls) {
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

  url.tls = fallback_tls;
  if (const auto query = rest.find('?'); query != std::string_view::npos) {
    // The query is split off first: a path in it holds '/'.
    parse_tls_query(rest.substr(query + 1), url.tls, fail, decode);
    rest = rest.substr(0, query);
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
