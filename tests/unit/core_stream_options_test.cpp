#include "core/stream_options.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace shop {
namespace {

using namespace std::chrono_literals;

StreamSettings parse(std::vector<std::string> args, std::string default_rate = "20") {
  CLI::App app;
  StreamOptions options{.rate = std::move(default_rate)};
  add_stream_options(app, options, "purchases");
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  return parse_stream_options(options);
}

TEST(StreamOptions, StagesStartFromZeroUnlessARateIsGiven) {
  const auto from_zero = parse({"--stages", "10s:100"});
  EXPECT_EQ(from_zero.start_rate, 0);
  EXPECT_EQ(from_zero.duration, 10s);          // the run lasts as long as the stages
  EXPECT_DOUBLE_EQ(from_zero.target_rate, 50);  // the mean planned rate
  const auto from_rate = parse({"--stages", "10s:100", "--rate", "40"});
  EXPECT_EQ(from_rate.start_rate, 40);
  EXPECT_DOUBLE_EQ(from_rate.target_rate, 70);
  EXPECT_EQ(from_rate.rate_text(), "staged, 70/s on average over 10.00 s (--stages 10s:100 from 40/s)");
}

TEST(StreamOptions, StagesWithDurationInstanceAndErrors) {
  EXPECT_EQ(parse({"--stages", "10s:100", "--duration", "5s"}).duration, 5s);
  const auto half = parse({"--stages", "10s:100,10s:300", "--instance", "2/2"});
  EXPECT_EQ(half.stages[0].rate, 50);
  EXPECT_EQ(half.stages[1].rate, 150);
  EXPECT_THROW(parse({"--stages", "10s:100", "--rate", "max"}), UsageError);
  EXPECT_THROW(parse({"--stages", "10:100"}), UsageError);
  EXPECT_EQ(parse({}).stages.size(), 0U);  // no --stages: the flat default rate
  EXPECT_DOUBLE_EQ(parse({}).target_rate, 20);
}

}  // namespace
}  // namespace shop
