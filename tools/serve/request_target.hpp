#pragma once
// The request line's target taken apart before any routing (RFC 9112 section 3.2:
// origin-form, and absolute-form, which a server must accept (3.2.2); RFC 3986
// percent-encoding): the path as decoded segments and the raw query. Everything that could reach outside what shop-serve means to serve is refused
// here, once, so no route has to think about it: "." and ".." segments (also encoded,
// %2e%2E), an encoded '/' or '\' inside a segment, NUL and other control bytes, bad
// escapes, anything but a path starting with '/'.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop::serve {

struct RequestTarget {
  std::vector<std::string> segments;  // "/api/views/x" -> {"api", "views", "x"}; "/" -> {}
  std::string query;                  // after '?', still encoded
};

// nullopt: not a target shop-serve serves (the caller answers 400 or 404). An
// absolute-form target ("http://host:8080/a?b") counts as its path and query: any
// authority that is a valid host[:port] is taken for this server's, as any Host is.
[[nodiscard]] std::optional<RequestTarget> parse_request_target(std::string_view target);

// A valid Host header value or URI authority without userinfo: uri-host [":" port]
// (RFC 9112 section 3.2, RFC 3986 section 3.2.2); empty is valid (RFC 9112 section 3.2).
[[nodiscard]] bool is_valid_host(std::string_view host) noexcept;

// The decoded value of the query parameter `name` ("a=1&b=2"), if present.
[[nodiscard]] std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

// A file name --assets may serve: a flat name of letters, digits, '.', '-' and '_',
// not starting with '.' (no hidden files, no way up).
[[nodiscard]] bool is_asset_name(std::string_view name) noexcept;

}  // namespace shop::serve
