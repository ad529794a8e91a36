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
