#pragma once
// shop-pageviews: JSON page views into Kafka, paced or flat out, every message accounted for.
#include <cstdint>
#include <string>
#include <vector>

#include "core/cli.hpp"
#include "core/generation_model.hpp"
#include "core/settings.hpp"
#include "core/stream_options.hpp"

namespace shop::pageviews {

struct Options {
  std::string topic = "pageviews";
  StreamOptions stream{.rate = "1000"};  // --rate (events per second) ... --instance
  uint64_t users = k_default_users;
  uint64_t items = k_default_items;
  double product_share = 0.5;
  std::string brokers;  // empty: a file's or -X's bootstrap.servers, then KAFKA_BROKERS, then the default
  std::vector<std::string> config_files;  // -F FILE, in order; none: $KAFKA_CONFIG_FILE
  std::vector<std::string> properties;    // -X key=value, in order, after the files
  std::string output = "kafka";         // kafka | stdout
  bool with_key = false;                // stdout: "key<TAB>value"
  std::string flush_timeout = "10s";
  std::string timeout = "30s";  // for the brokers to answer at start
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
int run(const Options& options, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::pageviews
