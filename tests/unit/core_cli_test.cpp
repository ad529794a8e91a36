#include "core/cli.hpp"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/url.hpp"

namespace {

// Runs run_tool with a body that may throw, and returns the exit status.
int run_with(std::vector<const char*> args, const std::function<int()>& body) {
  args.insert(args.begin(), "shop-test");
  int count = 0;
  return shop::run_tool(
      "test", "a test tool", static_cast<int>(args.size()), args.data(),
      [&](CLI::App& app) { app.add_option("--count", count)->check(CLI::PositiveNumber); }, body);
}

int succeed() { return 0; }

}  // namespace

TEST(RunTool, HelpAndVersionExitZero) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_with({"--help"}, succeed), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("--count"), std::string::npos);
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_with({"--version"}, succeed), 0);
  EXPECT_EQ(testing::internal::GetCapturedStdout(), shop::version_string("test") + "\n");
}

TEST(RunTool, ParseErrorsExitTwoWithTheToolNamedInTheMessage) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({"--no-such-flag"}, succeed), 2);
  const auto message = testing::internal::GetCapturedStderr();
  EXPECT_EQ(message.rfind("shop-test: error: ", 0), 0u) << message;
  EXPECT_NE(message.find("--no-such-flag"), std::string::npos) << message;

  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({"--count", "0"}, succeed), 2);  // validator failure
  EXPECT_NE(testing::internal::GetCapturedStderr().find("--count"), std::string::npos);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({"--count", "abc"}, succeed), 2);  // conversion failure
  testing::internal::GetCapturedStderr();
}

TEST(RunTool, MapsErrorsToExitStatuses) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({}, [] { return 0; }), 0);
  EXPECT_EQ(run_with({}, []() -> int { throw shop::UsageError("--x: bad"); }), 2);
  EXPECT_EQ(run_with({}, []() -> int { throw shop::Error("server gone"); }), 1);
  EXPECT_EQ(run_with({}, []() -> int { throw std::runtime_error("unexpected"); }), 1);
  const auto messages = testing::internal::GetCapturedStderr();
  EXPECT_NE(messages.find("shop-test: error: --x: bad\n"), std::string::npos) << messages;
  EXPECT_NE(messages.find("shop-test: error: server gone\n"), std::string::npos) << messages;
  EXPECT_NE(messages.find("shop-test: error: unexpected\n"), std::string::npos) << messages;
}

TEST(RunTool, ClosedStdoutEndsQuietlyWithZero) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({}, []() -> int { throw shop::StdoutClosed(); }), 0);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(RunTool, ParseErrorsNeverShowAPassword) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({"mysql://u:topsecret@h/db"}, succeed), 2);  // a forgotten --mysql
  EXPECT_EQ(run_with({"--count", "mysql://u:topsecret@h/db"}, succeed), 2);
  EXPECT_EQ(run_with({}, []() -> int { throw std::runtime_error("lost postgres://u:topsecret@h/db"); }), 1);
  const auto messages = testing::internal::GetCapturedStderr();
  EXPECT_EQ(messages.find("topsecret"), std::string::npos) << messages;
  EXPECT_NE(messages.find("mysql://u:****@h/db"), std::string::npos) << messages;
}

TEST(RunTool, UsageHintsAreNotMangledByMasking) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_with({}, []() -> int { throw shop::UsageError(shop::parse_mysql_url("nonsense", "--mysql").host); }), 2);
  const auto message = testing::internal::GetCapturedStderr();
  EXPECT_NE(message.find("(expected a URL like mysql://root@127.0.0.1:3306/shop)"), std::string::npos) << message;
  EXPECT_EQ(message.find("****"), std::string::npos) << message;
}

namespace {

// Parses `--n VALUE` through whole_number() and returns the value, or the error text.
std::variant<uint64_t, std::string> parse_whole_number(const std::string& value) {
  CLI::App app;
  uint64_t n = 99;
  app.add_option("--n", n)->transform(shop::whole_number())->check(CLI::Range(uint64_t{0}, uint64_t{1000}));
  try {
    app.parse(std::vector<std::string>{value, "--n"});  // CLI11 takes the vector reversed
  } catch (const CLI::ParseError& error) {
    return std::string(error.what());
  }
  return n;
}

}  // namespace

TEST(WholeNumber, AcceptsDigitsOnlyAsDecimal) {
  EXPECT_EQ(std::get<uint64_t>(parse_whole_number("0")), 0u);
  EXPECT_EQ(std::get<uint64_t>(parse_whole_number("7")), 7u);
  EXPECT_EQ(std::get<uint64_t>(parse_whole_number("010")), 10u);  // not octal 8
  EXPECT_EQ(std::get<uint64_t>(parse_whole_number("000")), 0u);
}

TEST(WholeNumber, RejectsSignsFractionsHexAndSpacesNamingTheFlag) {
  for (const char* bad : {"-1", "+1", "1.5", "1e3", "0x10", " 7", "7 ", "", "ten"}) {
    const auto result = parse_whole_number(bad);
    ASSERT_TRUE(std::holds_alternative<std::string>(result)) << "accepted '" << bad << "'";
    const auto& message = std::get<std::string>(result);
    EXPECT_NE(message.find("--n"), std::string::npos) << message;
    EXPECT_NE(message.find("is not a whole number"), std::string::npos) << message;
  }
}

TEST(WholeNumber, RunsBeforeTheRangeCheck) {
  // "-5" would pass a signed Range's message otherwise; "5000" still meets the Range.
  EXPECT_NE(std::get<std::string>(parse_whole_number("-5")).find("is not a whole number"), std::string::npos);
  EXPECT_NE(std::get<std::string>(parse_whole_number("5000")).find("not in range"), std::string::npos);
}
