#pragma once
// What a request's header must hold before anything routes it, checked once the header
// is in and before any byte after it is read (RFC 9112): a Host header as the version
// requires, and a framing that leaves no doubt where the request ends. A refused request
// is answered and its connection closed: what follows it on the connection cannot be
// trusted to be a request (request smuggling, RFC 9112 section 11.2).
#include <boost/beast/http/message.hpp>

#include <optional>
#include <string>

namespace shop::serve {

struct Refusal {
  unsigned status;      // 400 or 501
  std::string message;  // for the JSON error body
};

// nullopt: the header may be routed; else the answer it gets.
[[nodiscard]] std::optional<Refusal> check_request_header(const boost::beast::http::request_header<>& header);

}  // namespace shop::serve
