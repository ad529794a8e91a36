#pragma once
// The one entry point every program's run(argc, argv) goes through: CLI11 set-up with
// --help/--version, the exit-status mapping, and the single place errors are printed.
#include <functional>
#include <string>
#include <vector>
#include <string_view>

#include "core/diagnostics.hpp"

// CLI11 is only declared here: its header costs seconds of compile time in every file that
// includes it (each program's main.cpp, its tests), and most of them never add an option.
// The files that do include <CLI/CLI.hpp> themselves.
namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace shop {

// Options of every long-running program's report: -q, -v, --progress, --summary-json.
struct ReportOptions {
  bool quiet = false;
  bool verbose = false;
  bool progress = false;     // live status line even when stderr is not a terminal
  std::string summary_json;  // write the final summary as one JSON object here
};

// Sets the global verbosity from -q/-v (run(const Options&) calls it, so tests that
// build Options directly get the same behaviour as the command line).
void apply_verbosity(const ReportOptions& options);
// Adds -q/--quiet and -v/--verbose; with short_verbose false, --verbose only (shop-mzsql's
// -v is psql's -v NAME=VALUE).
void add_verbosity_flags(CLI::App& app, ReportOptions& options, bool short_verbose = true);

// The option of `app` nearest to `unknown` ("--rat" -> "--rate", "--dur" -> "--duration"),
// or "" when none is near: for "did you mean" in the error for an unknown option.
[[nodiscard]] std::string suggest_option(const CLI::App& app, std::string_view unknown);

// Adds -q, -v, --progress and --summary-json.
void add_report_options(CLI::App& app, ReportOptions& options);

// A validator for whole-number options (counts, limits, sizes, seeds): digits only, so
// "-1", "+1", "1.5", "1e3", "0x10" and " 7" are usage errors naming the flag, and leading
// zeros are dropped. Without it CLI11 2.1 converts with strtoull(base 0): "-1" becomes
// 2^64-1 (an unlimited --count) and "010" is octal 8. Add it with ->transform(): check()
// would discard the rewrite, and transform() runs it before other validators (CLI::Range).
[[nodiscard]] const CLI::Validator& whole_number();

// "a, b,,c" -> {"a", "b", "c"}: a comma-separated option value (--key, --views), items
// trimmed of spaces, empty ones dropped.
[[nodiscard]] std::vector<std::string> split_comma_list(const std::string& text);

// Adds --mysql URL with the help text every MySQL tool shares (DESIGN.md's flag -> env
// -> default; resolve it with mysql_url_from()).
void add_mysql_option(CLI::App& app, std::string& url);
// Adds --url URL for Materialize or PostgreSQL with the help text every such tool shares
// (flag -> $DATABASE_URL -> libpq's PG* -> the compose default; resolve_postgres_url()).
void add_postgres_url_option(CLI::App& app, std::string& url);
// Adds --mode auto|subscribe|poll of the tools that follow a query (core/change_source:
// resolve_source_mode); `polled` says what poll mode re-runs ("the query", "each view").
void add_source_mode_option(CLI::App& app, std::string& mode, std::string_view polled);

// Adds --retry-for D: how long a program that reconnects keeps trying (see Outage).
void add_retry_for_option(CLI::App& app, std::string& duration);

// Builds "shop-<tool>", lets `configure` add the tool's options, parses argv and runs
// `body`. Returns the exit status: 0 for --help/--version, 2 for any parse or usage error
// (printed as "shop-<tool>: error: ..."), an Error's own code, 1 for anything else, and
// 0 (quietly) when stdout's reader went away. Installs the signal handlers before `body`.
int run_tool(std::string_view tool, std::string_view description, int argc, const char* const* argv,
             const std::function<void(CLI::App&)>& configure, const std::function<int()>& body);

// The version string --version prints: "shop-<tool> <version>".
[[nodiscard]] std::string version_string(std::string_view tool);

}  // namespace shop
