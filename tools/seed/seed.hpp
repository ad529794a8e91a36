#pragma once
// shop-seed: creates the shop schema in MySQL and fills users and items.
#include <cstdint>
#include <string>

#include "core/cli.hpp"
#include "core/generation_model.hpp"
#include "core/settings.hpp"

namespace shop::seed {

struct Options {
  uint64_t users = k_default_users;
  uint64_t items = k_default_items;
  uint64_t seed = 42;
  std::string inventory = "1000:5000";  // MIN:MAX
  bool reset = false;
  bool dry_run = false;
  std::string load_method = "auto";  // auto | load-data | insert
  std::string mysql_url;  // empty: MYSQL_URL, then the compose default
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);

// Runs with parsed options; returns the exit status. Throws Error/UsageError for failures
// (run(argc, argv) prints them). `env` supplies MYSQL_URL and MYSQL_PWD.
int run(const Options& options, const Environment& env = process_environment());

// The program: parse argv, run, map errors to exit statuses.
int run(int argc, const char* const* argv);

}  // namespace shop::seed
