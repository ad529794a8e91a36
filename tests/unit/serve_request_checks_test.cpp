#include "request_checks.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

namespace shop::serve {
namespace {

namespace http = boost::beast::http;

// The status a header with `fields` (each line as sent, repeats kept) gets; 0: routed.
unsigned status(unsigned version, std::initializer_list<std::pair<const char*, const char*>> fields) {
  http::request_header<> header;
  header.version(version);
  for (const auto& [name, value] : fields) header.insert(name, value);
  const auto refusal = check_request_header(header);
  return refusal ? refusal->status : 0;
}

TEST(RequestChecks, HostOnceInHttp11) {  // RFC 9112 section 3.2
  EXPECT_EQ(status(11, {{"Host", "example.com"}}), 0u);
  EXPECT_EQ(status(11, {{"Host", "127.0.0.1:8080"}}), 0u);
  EXPECT_EQ(status(11, {{"Host", "[::1]:8080"}}), 0u);
  EXPECT_EQ(status(11, {{"Host", ""}}), 0u);
  EXPECT_EQ(status(11, {}), 400u);
  EXPECT_EQ(status(11, {{"Host", "a"}, {"Host", "a"}}), 400u);
  EXPECT_EQ(status(10, {{"Host", "a"}, {"Host", "b"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "a b"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "a/b"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "user@a"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "a:80x"}}), 400u);
  EXPECT_EQ(status(10, {}), 0u);  // HTTP/1.0 did not require it
}

TEST(RequestChecks, TransferEncodingEndsInChunkedOnce) {  // RFC 9112 sections 6.1 and 6.3
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}}), 0u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "Chunked"}}), 0u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", " , chunked ,"}}), 0u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "gzip"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "identity"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked, identity"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked, chunked"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", ""}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "chun ked"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "gzip, chunked"}}), 501u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}), 501u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "gzip"}}), 400u);
  EXPECT_EQ(status(11, {{"Host", "x"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}), 400u);
  EXPECT_EQ(status(10, {{"Transfer-Encoding", "chunked"}}), 400u);
  // Framing comes first: its refusal is the one that says why the connection closes.
  EXPECT_EQ(status(11, {{"Transfer-Encoding", "gzip, chunked"}}), 501u);
}

}  // namespace
}  // namespace shop::serve
