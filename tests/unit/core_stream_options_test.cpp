#include "core/stream_options.hpp"

#include <CLI/CLI.hpp>
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

// The UsageError's text for these flags (empty: none).
std::string usage_error(std::vector<std::string> args) {
  try {
    (void)parse(std::move(args));
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(StreamOptions, FindMaxStartsFromTheRateOrOneHundred) {
  const auto plain = parse({"--find-max"});
  ASSERT_TRUE(plain.find_max);
  EXPECT_EQ(plain.find_max->start_rate, 100);
  EXPECT_EQ(plain.find_max->slo_p99, 100ms);
  EXPECT_EQ(plain.find_max->step_duration, 10s);
  EXPECT_TRUE(plain.make_schedule().stepped());
  EXPECT_EQ(plain.rate_text(), "find-max from 100/s");
  const auto tuned = parse({"--find-max", "--rate", "500", "--slo-p99", "20ms", "--step-duration", "3s"});
  EXPECT_EQ(tuned.find_max->start_rate, 500);
  EXPECT_EQ(tuned.find_max->slo_p99, 20ms);
  EXPECT_EQ(tuned.find_max->step_duration, 3s);
  // Rates of the shared load; each instance runs its share.
  const auto shared = parse({"--find-max", "--rate", "500", "--instance", "2/4", "--find-max-dir", "/tmp"});
  EXPECT_EQ(shared.find_max->start_rate, 500);
  EXPECT_EQ(shared.make_schedule().rate_at(0), 125);
  EXPECT_EQ(shared.find_max->directory, "/tmp");
}

TEST(StreamOptions, FindMaxRefusesWhatItCannotHonour) {
  EXPECT_EQ(usage_error({"--find-max", "--stages", "10s:100"}), "--find-max and --stages: the search chooses the rates");
  EXPECT_EQ(usage_error({"--find-max", "--count", "10"}),
            "--find-max and --count: the search decides how many events it takes");
  EXPECT_EQ(usage_error({"--find-max", "--day-length", "1m"}), "--find-max and --day-length: each step holds its rate flat");
  EXPECT_EQ(usage_error({"--find-max", "--rate", "max"}),
            "--find-max and --rate max: the search needs a rate to start from (--rate R, default 100)");
  EXPECT_EQ(usage_error({"--find-max", "--step-duration", "500ms"}), "--step-duration: must be at least 1s");
  EXPECT_EQ(usage_error({"--find-max", "--slo-p99", "0s"}), "--slo-p99: must be greater than 0");
  EXPECT_NE(usage_error({"--find-max", "--slo-p99", "fast"}), "");
  EXPECT_EQ(usage_error({"--slo-p99", "20ms"}), "--slo-p99: only with --find-max");
  EXPECT_EQ(usage_error({"--step-duration", "2s"}), "--step-duration: only with --find-max");
  EXPECT_EQ(usage_error({"--find-max", "--instance", "1/2"}),
            "--find-max with --instance 1/2: give all 2 instances the same --find-max-dir DIR");
  EXPECT_EQ(usage_error({"--find-max", "--find-max-dir", "/tmp"}), "--find-max-dir: only with --instance K/N and N above 1");
}

}  // namespace
}  // namespace shop
