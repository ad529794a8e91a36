#pragma once
// shop-mzsql: applies SQL files to Materialize (or any PostgreSQL-wire server) and
// prints what queries return.
#include <string>
#include <vector>

#include "core/cli.hpp"
#include "core/settings.hpp"

namespace shop::mzsql {

struct Options {
  std::vector<std::string> inputs;    // files, directories (their *.sql in name order), "-"
  std::vector<std::string> commands;  // -c SQL, run after the inputs
  std::vector<std::string> variables; // --var NAME=VALUE
  std::string url;                    // empty: DATABASE_URL, PG*, then the compose default
  std::string wait;                   // empty: connect once
  std::string format = "table";       // table | csv | tsv | jsonl
  bool dry_run = false;
  bool keep_going = false;            // --continue
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
int run(const Options& options, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::mzsql
