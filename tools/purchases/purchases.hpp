#pragma once
// shop-purchases: a paced, realistic, exact purchase stream into MySQL.
#include <cstdint>
#include <string>

#include "core/cli.hpp"
#include "core/settings.hpp"
#include "core/stream_options.hpp"

namespace shop::purchases {

struct Options {
  StreamOptions stream{.rate = "20"};  // --rate (purchases per second) ... --instance
  uint32_t connections = 1;
  uint32_t batch = 1;       // purchases per transaction
  std::string retry_for = "60s";
  std::string mysql_url;
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
int run(const Options& options, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::purchases
