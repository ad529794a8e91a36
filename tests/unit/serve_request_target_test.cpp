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
        "assets/x", "http://example.com/", "*", "", "/a#b"}) {
    EXPECT_FALSE(parse_request_target(target)) << target;
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
