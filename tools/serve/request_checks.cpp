#include "request_checks.hpp"

#include <string_view>
#include <vector>

#include "request_target.hpp"

namespace shop::serve {
namespace {

namespace http = boost::beast::http;

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool is_token(std::string_view text) noexcept {  // RFC 9110 section 5.6.2
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_chunked(std::string_view coding) noexcept {
  constexpr std::string_view k_chunked = "chunked";
  if (coding.size() != k_chunked.size()) return false;
  for (size_t i = 0; i < coding.size(); ++i) {
    if ((coding[i] | 0x20) != k_chunked[i]) return false;  // names are case-insensitive (RFC 9112 section 7)
  }
  return true;
}

std::optional<Refusal> check_transfer_encoding(const http::request_header<>& header) {
  const auto [first, last] = header.equal_range(http::field::transfer_encoding);
  if (first == last) return std::nullopt;
  // RFC 9112 section 6.1: "A server or client that receives an HTTP/1.0 message containing
  // a Transfer-Encoding header field MUST treat the message as if the framing is faulty".
  if (header.version() < 11) return Refusal{400, "Transfer-Encoding in an HTTP/1.0 request"};
  // RFC 9112 section 6.3 (3): both may be an attempt at request smuggling; a server MAY
  // reject such a request, and MUST close the connection after it. (Boost.Beast refuses
  // most such pairs itself, not Content-Length after a coding other than chunked.)
  if (header.count(http::field::content_length) > 0) return Refusal{400, "both Content-Length and Transfer-Encoding"};
  // The codings, in the order applied, over every Transfer-Encoding line (a list,
  // RFC 9110 section 5.3); empty list elements are allowed (RFC 9110 section 5.6.1).
  std::vector<std::string_view> codings;
  for (auto field = first; field != last; ++field) {
    std::string_view list = field->value();
    while (!list.empty()) {
      const size_t comma = list.find(',');
      std::string_view element = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      element = trim(element);
      if (element.empty()) continue;
      element = trim(element.substr(0, element.find(';')));  // transfer-coding = token *( OWS ";" ... )
      if (!is_token(element)) return Refusal{400, "Transfer-Encoding is not a list of codings"};
      codings.push_back(element);
    }
  }
  if (codings.empty()) return Refusal{400, "Transfer-Encoding is not a list of codings"};
  // RFC 9112 section 6.3 (4): "If a Transfer-Encoding header field is present in a request
  // and the chunked transfer coding is not the final encoding, the message body length
  // cannot be determined reliably; the server MUST respond with the 400 (Bad Request)
  // status code and then close the connection."
  if (!is_chunked(codings.back())) return Refusal{400, "Transfer-Encoding does not end in chunked"};
  // RFC 9112 section 6.1: chunked is applied once at most.
  for (size_t i = 0; i + 1 < codings.size(); ++i) {
    if (is_chunked(codings[i])) return Refusal{400, "Transfer-Encoding has chunked more than once"};
  }
  // RFC 9112 section 6.1: "A server that receives a request message with a transfer coding
  // it does not understand SHOULD respond with 501 (Not Implemented)": shop-serve decodes
  // none but chunked.
  if (codings.size() > 1) return Refusal{501, "no transfer coding but chunked is implemented"};
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> check_request_header(const http::request_header<>& header) {
  if (auto refusal = check_transfer_encoding(header)) return refusal;
  // RFC 9112 section 3.2: "A server MUST respond with a 400 (Bad Request) status code to
  // any HTTP/1.1 request message that lacks a Host header field and to any request message
  // that contains more than one Host header field line or a Host header field with an
  // invalid field value." (HTTP/1.0 did not require Host.) With an absolute-form target
  // the Host is still required, though its value is then ignored (section 3.2.2).
  const auto [first, last] = header.equal_range(http::field::host);
  if (first == last) {
    if (header.version() >= 11) return Refusal{400, "an HTTP/1.1 request needs a Host header"};
    return std::nullopt;
  }
  if (std::next(first) != last) return Refusal{400, "more than one Host header"};
  if (!is_valid_host(first->value())) return Refusal{400, "the Host header is not a host[:port]"};
  return std::nullopt;
}

}  // namespace shop::serve
