// tools/pageviews/pageviews.cpp: bad input gets a one-line error naming the problem and
// exit 2, before anything connects; a secret given with -X is never printed.
#include "pageviews.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace shop::pageviews {
namespace {

struct Outcome {
  int status;
  std::string err;
};

Outcome run_with(const std::vector<const char*>& args) {
  std::array<const char*, 8> argv{"shop-pageviews"};
  std::copy(args.begin(), args.end(), argv.begin() + 1);
  testing::internal::CaptureStderr();
  const int status = run(static_cast<int>(args.size() + 1), argv.data());
  return {status, testing::internal::GetCapturedStderr()};
}

void expect_usage_error(const std::vector<const char*>& args, const std::string& names) {
  const Outcome outcome = run_with(args);
  EXPECT_EQ(outcome.status, 2) << outcome.err;
  EXPECT_EQ(outcome.err.find("shop-pageviews: error: "), 0u) << outcome.err;
  EXPECT_NE(outcome.err.find(names), std::string::npos) << outcome.err;
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << "one line: " << outcome.err;
}

TEST(PageviewsOptions, BadInputIsAUsageErrorNamingIt) {
  expect_usage_error({"--rate", "0"}, "--rate");
  expect_usage_error({"--rate", "-5"}, "--rate");
  expect_usage_error({"--rate", "fast"}, "--rate");
  expect_usage_error({"--product-share", "1.5"}, "--product-share");
  expect_usage_error({"--product-share", "-0.1"}, "--product-share");
  expect_usage_error({"--product-share", "nan"}, "--product-share");
  expect_usage_error({"--output", "file"}, "--output");
  expect_usage_error({"--with-key"}, "--with-key");
  expect_usage_error({"--duration", "10 parsecs"}, "--duration");
  expect_usage_error({"--instance", "3/2"}, "--instance");
  expect_usage_error({"--users", "0"}, "--users");
  expect_usage_error({"--timeout", "0s"}, "--timeout");
  expect_usage_error({"-X", "acks"}, "-X");
  expect_usage_error({"-X", "no.such.property=1"}, "no.such.property");
  expect_usage_error({"-X", "acks=banana"}, "acks=banana");
  // librdkafka checks combinations when the producer is created.
  expect_usage_error({"-X", "acks=1"}, "idempotence");
}

TEST(PageviewsOptions, ASecretGivenWithXIsNeverPrinted) {
  for (const char* property : {"sasl.password.typo=hunter2", "my.secret=hunter2"}) {
    const Outcome outcome = run_with({"-X", property});
    EXPECT_EQ(outcome.status, 2);
    EXPECT_EQ(outcome.err.find("hunter2"), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("****"), std::string::npos) << outcome.err;
  }
  const Outcome no_equals = run_with({"-X", "sasl.password:hunter2"});
  EXPECT_EQ(no_equals.status, 2);
  EXPECT_EQ(no_equals.err.find("hunter2"), std::string::npos) << no_equals.err;
}

}  // namespace
}  // namespace shop::pageviews
