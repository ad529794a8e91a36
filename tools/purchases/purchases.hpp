#pragma once
// shop-purchases: a paced, realistic, exact purchase stream into MySQL.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "core/cli.hpp"
#include "core/settings.hpp"

namespace shop::purchases {

struct Options {
  std::string rate = "20";  // purchases per second, or "max"
  uint64_t count = 0;       // 0: no limit
  std::string duration;     // empty: no limit
  uint32_t connections = 1;
  uint32_t batch = 1;       // purchases per transaction
  std::string day_length;   // empty: no daily curve
  uint64_t seed = 42;
  std::string instance = "1/1";
  std::string retry_for = "60s";
  std::string mysql_url;
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
int run(const Options& options, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::purchases
