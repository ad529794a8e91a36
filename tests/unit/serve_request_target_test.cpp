#include "request_target.hpp"

#include <gtest/gtest.h>

namespace shop::serve {
namespace {

std::vector<std::string> segments(std::string_view target) {
  const auto parsed = parse_request_target(target);
  return parsed ? parsed->segments : std::vector<std::string>{"<refused>"};
}

TEST(RequestTarget, PathsAreDecodedSegments) {
  EXPECT_EQ(segments("/"), std::vector<std::string>{});
  EXPECT_EQ(segments("/api/views/top_items"), (std::vector<std::string>{"api", "views", "top_items"}));
  EXPECT_EQ(segments("/api/views/top_items/"), (std::vector<std::string>{"api", "views", "top_items"}));
  EXPECT_EQ(segments("/assets/chart%2Emin.js"), (std::vector<std::string>{"assets", "chart.min.js"}));
  EXPECT_EQ(segments("/products/42?ref=x"), (std::vector<std::string>{"products", "42"}));
}

TEST(RequestTarget, TraversalInEveryEncodingIsRefused) {
  for (const char* target :
       {"/..", "/assets/..", "/assets/../x", "/assets/./x", "/assets/%2e%2e/x", "/assets/%2E%2E/x", "/assets/.%2e/x",
        "/assets/%2e./x", "/assets/..%2fx", "/assets/..%2Fx", "/assets/%2f", "/assets/a%5cb", "/assets/..%5c..%5cx",
        "/assets//x", "//etc/passwd", "/assets/a%00b", "/assets/a%0ab", "/assets/%", "/assets/%2", "/assets/%zz",
        "assets/x", "*", "", "/a#b", "https://example.com/", "http:///x", "http://:80/x", "http://u@h/x",
        "http://a b/", "ftp://h/x", "example.com:80", "http://h/../x", "http://h/a#b"}) {
    EXPECT_FALSE(parse_request_target(target)) << target;
  }
}

TEST(RequestTarget, AbsoluteFormIsItsPath) {  // RFC 9112 section 3.2.2
  EXPECT_EQ(segments("http://127.0.0.1:8080/healthz"), std::vector<std::string>{"healthz"});
  EXPECT_EQ(segments("HTTP://Example.COM/api/views/x?y=1"), (std::vector<std::string>{"api", "views", "x"}));
  EXPECT_EQ(segments("http://[::1]:8080/metrics"), std::vector<std::string>{"metrics"});
  EXPECT_EQ(segments("http://h"), std::vector<std::string>{});
  EXPECT_EQ(parse_request_target("http://h?views=a")->query, "views=a");
  EXPECT_EQ(parse_request_target("http://h/api/changes?views=a,b")->query, "views=a,b");
}

TEST(RequestTarget, HostValues) {  // RFC 9112 section 3.2, RFC 3986 section 3.2.2
  for (const char* host : {"", "a", "example.com", "127.0.0.1", "a:8080", "a:", "[::1]", "[::1]:80", "[v1.x]",
                           "xn--bcher-kva.example", "a%20b", "a!$&'()*+,;=b"}) {
    EXPECT_TRUE(is_valid_host(host)) << host;
  }
  for (const char* host : {"a b", "a/b", "u@a", "a:8o", "a:1:2", "[::1", "[]", "[::1]x", "a%2", "a%zz", "a\\b"}) {
    EXPECT_FALSE(is_valid_host(host)) << host;
  }
}

TEST(RequestTarget, QueryParameters) {
  EXPECT_EQ(query_parameter("views=a,b&x=1", "views"), "a,b");
  EXPECT_EQ(query_parameter("x=1&views=a%2Cb", "views"), "a,b");
  EXPECT_EQ(query_parameter("views=a+b", "views"), "a b");
  EXPECT_EQ(query_parameter("views", "views"), "");
  EXPECT_EQ(query_parameter("view=a", "views"), std::nullopt);
  EXPECT_EQ(query_parameter("views=%zz", "views"), std::nullopt);
  EXPECT_EQ(query_parameter("", "views"), std::nullopt);
}

TEST(RequestTarget, AssetNamesAreFlat) {
  EXPECT_TRUE(is_asset_name("chart.min.js"));
  EXPECT_TRUE(is_asset_name("style-2_b.css"));
  EXPECT_FALSE(is_asset_name(""));
  EXPECT_FALSE(is_asset_name(".hidden"));
  EXPECT_FALSE(is_asset_name(".."));
  EXPECT_FALSE(is_asset_name("a/b"));
  EXPECT_FALSE(is_asset_name("a\\b"));
  EXPECT_FALSE(is_asset_name("a b"));
  EXPECT_FALSE(is_asset_name(std::string(101, 'a')));
}

}  // namespace
}  // namespace shop::serve
