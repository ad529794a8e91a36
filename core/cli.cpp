#include "core/cli.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/settings.hpp"
#include "core/signals.hpp"
#include "core/url.hpp"
#include "core/version.hpp"

namespace shop {

std::string version_string(std::string_view tool) {
  return fmt::format("shop-{} {}", tool, k_version);
}

const CLI::Validator& whole_number() {
  static const CLI::Validator validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
          return fmt::format("'{}' is not a whole number (digits only, 0 or more)", text);
        }
        const size_t first_significant = text.find_first_not_of('0');
        text.erase(0, std::min(first_significant, text.size() - 1));  // "010" -> "10", "000" -> "0"
        return {};
      },
      "", "whole number");
  return validator;
}

void apply_verbosity(const ReportOptions& options) {
  set_verbosity(options.quiet ? Verbosity::quiet : options.verbose ? Verbosity::verbose : Verbosity::normal);
}

void add_verbosity_flags(CLI::App& app, ReportOptions& options) {
  auto* quiet = app.add_flag("-q,--quiet", options.quiet, "Only errors on stderr: no progress, no summary");
  app.add_flag("-v,--verbose", options.verbose, "More detail on stderr")->excludes(quiet);
}

void add_report_options(CLI::App& app, ReportOptions& options) {
  add_verbosity_flags(app, options);
  app.add_flag("--progress", options.progress,
               "Print the live status line about once a second even when stderr is not a terminal");
  app.add_option("--summary-json", options.summary_json, "Also write the final summary as one JSON object to PATH")
      ->type_name("PATH");
}

void add_mysql_option(CLI::App& app, std::string& url) {
  app.add_option("--mysql", url,
                 "MySQL URL mysql://user[:password]@host[:port]/database; default: $MYSQL_URL, else "
                 "mysql://root@127.0.0.1:3306/shop (password also from $MYSQL_PWD)")
      ->type_name("URL");
}

std::vector<std::string> split_comma_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

void add_postgres_url_option(CLI::App& app, std::string& url) {
  app.add_option("--url", url,
                 fmt::format("Materialize or PostgreSQL URL (default: $DATABASE_URL, libpq's PG* variables, else {})",
                             k_default_postgres_url))
      ->type_name("URL");
}

void add_source_mode_option(CLI::App& app, std::string& mode, std::string_view polled) {
  app.add_option("--mode", mode,
                 fmt::format("subscribe (Materialize's SUBSCRIBE), poll (re-run {} and diff), or auto (subscribe on "
                             "Materialize, else poll)",
                             polled))
      ->check(CLI::IsMember({"auto", "subscribe", "poll"}))
      ->type_name("MODE");
}

void add_retry_for_option(CLI::App& app, std::string& duration) {
  app.add_option("--retry-for", duration, "Give up (exit 1) after this long without a connection")->type_name("D");
}

int run_tool(std::string_view tool, std::string_view description, int argc, const char* const* argv,
             const std::function<void(CLI::App&)>& configure, const std::function<int()>& body) {
  const std::string name = fmt::format("shop-{}", tool);
  set_program_name(name);
  CLI::App app{std::string(description), name};
  app.set_version_flag("--version", version_string(tool), "Print the version and exit");
  app.option_defaults()->always_capture_default();
  app.get_formatter()->column_width(34);
  // Before parsing: `--help | true` must not die of SIGPIPE.
  install_signal_handlers();
  try {
    configure(app);
    // CLI11 wants argv non-const in 2.1; it does not modify it.
    app.parse(argc, const_cast<char**>(argv));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version: print, exit 0
    // CLI11 echoes arguments, which may be a URL with a password (e.g. a forgotten --mysql).
    print_error(fmt::format("{} (see {} --help)", mask_password(e.what()), name));
    return static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    print_error(mask_password(e.what()));
    return static_cast<int>(e.exit_code());
  }

  try {
    return body();
  } catch (const StdoutClosed&) {
    return static_cast<int>(ExitCode::ok);
  } catch (const Error& e) {
    print_error(mask_password(e.what()));  // messages mask URLs already; this is the safety net
    return static_cast<int>(e.exit_code());
  } catch (const std::exception& e) {
    print_error(mask_password(e.what()));
    return static_cast<int>(ExitCode::failure);
  }
}

}  // namespace shop
