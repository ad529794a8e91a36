#include "core/summary.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

using namespace std::chrono_literals;

TEST(Summary, WritesOrderedJson) {
  shop::Summary summary;
  summary.set("tool", std::string("shop-x")).set("count", uint64_t{3}).set("ok", true).set("rate", 2.5);
  summary.set("count", uint64_t{4});  // replacing keeps the position
  EXPECT_EQ(summary.to_json(), "{\"tool\": \"shop-x\", \"count\": 4, \"ok\": true, \"rate\": 2.5}\n");
  ASSERT_NE(summary.find("count"), nullptr);
  EXPECT_EQ(std::get<uint64_t>(*summary.find("count")), 4u);
}

TEST(Summary, EscapesStringsAndLatency) {
  shop::Summary summary;
  summary.set("text", std::string("a\"b\\c\nd\x01"));
  shop::LatencyHistogram histogram;
  histogram.record(2ms);
  summary.set_latency("commit_latency", histogram);
  const auto json = summary.to_json();
  EXPECT_NE(json.find(R"("text": "a\"b\\c\nd\u0001")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("commit_latency_ms": {"p50": )"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("count": 1})"), std::string::npos) << json;
}

TEST(Summary, JsonStringsAreAlwaysValidUtf8) {
  const auto json = [](std::string_view text) {
    std::string out;
    shop::append_json_string(out, text);
    return out;
  };
  // Well-formed sequences of every length pass as they are (U+2028 included: valid JSON).
  EXPECT_EQ(json("a\u00e9\u20ac\U0001F600\u2028z"), "\"a\u00e9\u20ac\U0001F600\u2028z\"");
  EXPECT_EQ(json(""), "\"\"");
  EXPECT_EQ(json(std::string_view("\0x\x1f\x7f", 4)), "\"\\u0000x\\u001f\x7f\"");
  // Each maximal ill-formed subpart becomes one \ufffd (Unicode section 3.9).
  EXPECT_EQ(json("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(json("a\xc3(b"), "\"a\\ufffd(b\"");                       // a lead byte without its continuation
  EXPECT_EQ(json("\xc0\xaf"), "\"\\ufffd\\ufffd\"");                  // overlong '/'
  EXPECT_EQ(json("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");        // overlong, three bytes
  EXPECT_EQ(json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");        // a surrogate (U+D800)
  EXPECT_EQ(json("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); // past U+10FFFF
  EXPECT_EQ(json("\xe2\x82"), "\"\\ufffd\"");                          // cut short at the end
  EXPECT_EQ(json("\xf0\x9f\x98x"), "\"\\ufffdx\"");                    // cut short before ASCII
  EXPECT_EQ(json("\x80\xbf"), "\"\\ufffd\\ufffd\"");                  // lone continuation bytes
  EXPECT_EQ(json("\"\\\xfe"), "\"\\\"\\\\\\ufffd\"");
}

TEST(Summary, NonFiniteNumbersBecomeNull) {
  shop::Summary summary;
  summary.set("rate", 1.0 / 0.0);
  EXPECT_EQ(summary.to_json(), "{\"rate\": null}\n");
}

TEST(Summary, WritesFileAtomically) {
  const std::string path = testing::TempDir() + "shop_summary_test.json";
  shop::Summary summary;
  summary.set("n", int64_t{-1});
  summary.write_json_file(path);
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), "{\"n\": -1}\n");
  std::remove(path.c_str());
  EXPECT_THROW(summary.write_json_file("/nonexistent-dir/x.json"), shop::Error);
}
