#include "core/duration.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace std::chrono_literals;
using shop::parse_duration;

TEST(Duration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("90s", "--duration"), 90s);
  EXPECT_EQ(parse_duration("5m", "--duration"), 5min);
  EXPECT_EQ(parse_duration("2h", "--duration"), 2h);
  EXPECT_EQ(parse_duration("250ms", "--duration"), 250ms);
  EXPECT_EQ(parse_duration("1h30m", "--duration"), 90min);
  EXPECT_EQ(parse_duration("1.5", "--duration"), 1500ms);
  EXPECT_EQ(parse_duration("0s", "--duration"), 0s);
  EXPECT_EQ(parse_duration("1d", "--duration"), 24h);
}

TEST(Duration, RejectsBadInputNamingTheFlag) {
  for (const char* bad : {"", "s", "5x", "-3s", "5 s", "1h30", "0h30", "0s5", "abc", "1e30h"}) {
    try {
      (void)parse_duration(bad, "--retry-for");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const shop::UsageError& error) {
      EXPECT_EQ(std::string(error.what()).rfind("--retry-for: ", 0), 0u) << error.what();
    }
  }
}

TEST(Duration, FormatsForPeople) {
  EXPECT_EQ(shop::format_duration(250ms), "250 ms");
  EXPECT_EQ(shop::format_duration(1500ms), "1.50 s");
  EXPECT_EQ(shop::format_duration(200s), "3 min 20 s");
  EXPECT_EQ(shop::format_duration(7260s), "2 h 1 min");
}
