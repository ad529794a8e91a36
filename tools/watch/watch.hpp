#pragma once
// shop-watch: a query's changes, live, as a table a person reads or a stream a program reads.
#include <cstdint>
#include <string>

#include "core/cli.hpp"
#include "core/settings.hpp"

namespace shop::watch {

struct Options {
  std::string query;           // a SELECT, or a bare view name
  std::string url;             // empty: DATABASE_URL, PG*, then the compose default
  std::string mode = "auto";   // auto | subscribe | poll
  std::string interval = "1s"; // poll mode
  bool no_snapshot = false;
  std::string as_of;
  std::string up_to;
  std::string key;             // COL[,COL...]
  std::string format;          // table | changes | jsonl | csv; empty: table on a terminal
  std::string order_by;
  size_t limit = 0;
  std::string bar;
  uint64_t count = 0;
  std::string duration;
  std::string retry_for = "60s";
  std::string subscribe_standin;  // tests: a PostgreSQL function standing in for SUBSCRIBE (hidden)
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
int run(const Options& options, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::watch
