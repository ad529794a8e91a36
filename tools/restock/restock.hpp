#pragma once
// shop-restock: low-stock alerts that place warehouse orders, closing the loop.
#include <cstdint>
#include <string>

#include "core/cli.hpp"
#include "core/settings.hpp"

namespace shop::restock {

struct Options {
  std::string lead_time = "30s";
  int64_t restock_to = 2000;
  int64_t quantity = 0;  // 0: use restock_to
  bool alerts_jsonl = false;
  bool lenient = false;
  bool dry_run = false;
  std::string retry_for = "60s";
  std::string mysql_url;
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
// Reads signals from `input_fd` (stdin in the program).
int run(const Options& options, int input_fd, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::restock
