// Fuzzes core/url.cpp: parse_mysql_url(), MysqlUrl::masked(), mask_password().
//
// Two checks per input:
//   - the input as a --mysql argument (a NUL byte splits off a MYSQL_PWD fallback):
//     parsed, or refused with a UsageError that names the flag, nothing else; a parsed
//     URL's masked() form parses back to the same user, host, port and database, with
//     the password as ****; mask_password() of any text does not crash;
//   - a URL built from the input's bytes, "scheme user:password@host:port/database" with
//     every part any bytes, written raw or percent-encoded, and a scheme that may be
//     wrong or missing: the password always holds a '~' that no other part has, so no
//     text meant for a person (masked(), an error message, mask_password() of the URL
//     when the password holds no character that ends a URL in free text) may hold one.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/url.hpp"

namespace {

[[noreturn]] void violated(const char* what, std::string_view text, std::string_view shown) {
  std::fprintf(stderr, "fuzz_url: invariant violated: %s\ninput: %.*s\nshown: %.*s\n", what,
               static_cast<int>(text.size()), text.data(), static_cast<int>(shown.size()), shown.data());
  std::abort();
}

void check_argument(std::string_view input) {
  const size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string fallback(nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1));
  (void)shop::mask_password(input);
  shop::MysqlUrl url;
  try {
    url = shop::parse_mysql_url(text, "--mysql", nul == std::string_view::npos ? nullptr : &fallback);
  } catch (const shop::UsageError& error) {
    const std::string_view message = error.what();
    if (message.rfind("--mysql: ", 0) != 0) violated("an error names the flag", text, message);
    if (error.exit_code() != shop::ExitCode::usage) violated("a usage error exits 2", text, message);
    return;
  }
  const std::string masked = url.masked();
  if (url.user.empty() || url.host.empty() || url.port == 0) violated("user, host and port are set", text, masked);
  if (url.host.front() == '[') return;  // "[[x]" is host "[x", which masked() cannot bracket back
  try {
    const auto again = shop::parse_mysql_url(masked, "--mysql");
    if (again.user != url.user || again.host != url.host || again.port != url.port || again.database != url.database ||
        again.has_password != url.has_password || (url.has_password && again.password != "****")) {
      violated("masked() parses back to the same URL, password ****", text, masked);
    }
  } catch (const shop::UsageError& error) {
    violated("masked() parses back", text, error.what());
  }
}

// Bytes with every '~' replaced: only the password has one.
std::string without_marker(std::string text) {
  std::replace(text.begin(), text.end(), '~', '-');
  return text;
}

// `text` percent-encoded, all but letters, digits and '~'; or as it is.
std::string written(const std::string& text, bool encode) {
  if (!encode) return text;
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '~') {
      out += c;
    } else {
      out += '%';
      out += k_hex[u >> 4];
      out += k_hex[u & 0x0F];
    }
  }
  return out;
}

void check_password_never_shown(FuzzedDataProvider& data) {
  static const char* const k_schemes[] = {"mysql://", "mariadb://", "postgres://", "mysql:/", "mysql:", "", "//"};
  const std::string scheme = k_schemes[data.ConsumeIntegralInRange<size_t>(0, std::size(k_schemes) - 1)];
  const std::string user = without_marker(data.ConsumeRandomLengthString(16));
  std::string password = data.ConsumeRandomLengthString(16);
  password.insert(data.ConsumeIntegralInRange<size_t>(0, password.size()), 1, '~');
  const std::string host = without_marker(data.ConsumeRandomLengthString(16));
  const std::string port = without_marker(data.ConsumeRandomLengthString(6));
  const std::string database = without_marker(data.ConsumeRandomLengthString(16));
  const bool encode_user = data.ConsumeBool();
  const bool encode_password = data.ConsumeBool();
  const bool with_port = data.ConsumeBool();
  const bool with_database = data.ConsumeBool();
  const std::string fallback = "env~" + data.ConsumeRandomLengthString(8);
  const bool with_fallback = data.ConsumeBool();

  const std::string password_text = written(password, encode_password);
  const std::string text = scheme + written(user, encode_user) + ":" + password_text + "@" + host +
                           (with_port ? ":" + port : "") + (with_database ? "/" + database : "");

  try {
    const auto url = shop::parse_mysql_url(text, "--mysql", with_fallback ? &fallback : nullptr);
    // A '/' in a raw password makes the rest the database (not a password to the parser,
    // shown as one): only the password itself may never be shown.
    const std::string masked = url.masked();
    const auto markers = [](std::string_view s) { return std::count(s.begin(), s.end(), '~'); };
    if (markers(masked) != markers(url.user) + markers(url.host) + markers(url.database)) {
      violated("masked() never shows the password", text, masked);
    }
  } catch (const shop::UsageError& error) {
    // Without a scheme, "user" ":" "//pw~@h" is "user://pw~@h": no password there.
    const bool ambiguous = scheme.find("://") == std::string::npos && password_text.rfind("//", 0) == 0;
    if (!ambiguous && std::string_view(error.what()).find('~') != std::string_view::npos) {
      violated("an error message never shows the password", text, error.what());
    }
  }
  // mask_password() is for free text, where a space or quote ends a URL.
  if (scheme.find("://") != std::string::npos && password_text.find_first_of(" \t\n'\"") == std::string::npos &&
      user.find_first_of(" \t\n'\"") == std::string::npos) {
    const std::string masked = shop::mask_password(text);
    if (masked.find('~') != std::string::npos) violated("mask_password() masks a URL's password", text, masked);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_argument(std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider provider(data, size);
  check_password_never_shown(provider);
  return 0;
}
