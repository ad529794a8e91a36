#include "core/instance.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

TEST(Instance, ParsesKOverN) {
  const auto instance = shop::parse_instance("2/4");
  EXPECT_EQ(instance.index, 2u);
  EXPECT_EQ(instance.count, 4u);
  EXPECT_DOUBLE_EQ(instance.share(1000), 250);
  EXPECT_EQ(instance.to_string(), "2/4");
}

TEST(Instance, EachInstanceHasItsOwnStream) {
  const uint64_t seed = 42;
  EXPECT_EQ(shop::parse_instance("1/1").stream_seed(seed), seed);
  const auto a = shop::parse_instance("1/3").stream_seed(seed);
  const auto b = shop::parse_instance("2/3").stream_seed(seed);
  const auto c = shop::parse_instance("3/3").stream_seed(seed);
  EXPECT_NE(a, b);
  EXPECT_NE(b, c);
  EXPECT_NE(a, c);
  EXPECT_EQ(shop::parse_instance("2/3").stream_seed(seed), b);
}

TEST(Instance, RejectsMalformed) {
  for (const char* bad : {"", "1", "0/2", "3/2", "1/0", "a/b", "1/2/3", "-1/2", "1/ 2", "/2"}) {
    try {
      (void)shop::parse_instance(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const shop::UsageError& error) {
      EXPECT_EQ(std::string(error.what()).rfind("--instance: ", 0), 0u) << error.what();
    }
  }
}
