#include "core/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "core/settings.hpp"
#include "core/signals.hpp"
#include "core/url.hpp"
#include "core/version.hpp"

namespace shop {

namespace {

constexpr size_t k_help_width = 100;      // every line of --help fits in 100 columns
constexpr size_t k_help_column = 34;      // where option descriptions start

// Words of `text` in lines of at most `width` columns, every line after the first
// indented by `indent` spaces (a word longer than a line stays whole). Newlines in the
// text are kept.
std::string wrap(std::string_view text, size_t width, size_t indent, size_t first_line_used = 0) {
  std::string out;
  size_t used = first_line_used;
  bool line_has_words = first_line_used > indent;
  size_t at = 0;
  while (at < text.size()) {
    if (text[at] == '\n') {
      out += '\n';
      out.append(indent, ' ');
      used = indent;
      line_has_words = false;
      ++at;
      continue;
    }
    if (text[at] == ' ') {
      ++at;
      continue;
    }
    const size_t end = std::min(text.find_first_of(" \n", at), text.size());
    const std::string_view word = text.substr(at, end - at);
    if (line_has_words && used + 1 + word.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      used = indent;
      line_has_words = false;
    }
    if (line_has_words) {
      out += ' ';
      ++used;
    }
    out += word;
    used += word.size();
    line_has_words = true;
    at = end;
  }
  return out;
}

// --help as the tools people know write it (psql, pgbench, kcat): "--users N=10000", not
// CLI11's "--users N:UINT in [1 - 100000000]=10000", no "Excludes:" or "=[]", and
// descriptions wrapped to fit 100 columns.
class HelpFormatter : public CLI::Formatter {
  static bool shown_default(const CLI::Option* option) {
    const std::string& fallback = option->get_default_str();
    return !fallback.empty() && fallback != "[]" && fallback != "{}";
  }
  static bool long_default(const CLI::Option* option) {
    return shown_default(option) && option->get_default_str().size() > k_help_column / 2;
  }

 public:
  HelpFormatter() { column_width(k_help_column); }

  std::string make_option_opts(const CLI::Option* option) const override {
    std::string out;
    if (option->get_type_size() == 0) return out;  // a flag
    std::string type = option->get_type_name();
    type = type.substr(0, type.find(':'));  // ":UINT in [1 - 100]": the validators' own words
    if (!type.empty()) out += " " + type;
    const std::string& fallback = option->get_default_str();
    if (shown_default(option) && !long_default(option)) out += "=" + fallback;
    if (option->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    return out;
  }

  std::string make_option(const CLI::Option* option, bool is_positional) const override {
    std::string left = "  " + make_option_name(option, is_positional) + make_option_opts(option);
    std::string description = make_option_desc(option);
    if (long_default(option)) {
      // A long default (shop-serve's six views) goes with the description, where it wraps.
      std::string fallback = option->get_default_str();
      for (size_t comma = fallback.find(','); comma != std::string::npos; comma = fallback.find(',', comma + 2)) {
        fallback.insert(comma + 1, " ");
      }
      description += " (default: " + fallback + ")";
    }
    if (left.size() + 1 > k_help_column) {
      left += "\n";
      left.append(k_help_column, ' ');
    } else {
      left.append(k_help_column - left.size(), ' ');
    }
    return left + wrap(description, k_help_width, k_help_column, k_help_column) + "\n";
  }

  std::string make_footer(const CLI::App* app) const override {
    const std::string footer = app->get_footer();
    if (footer.empty()) return {};
    // Each line of the footer as its own paragraph, wrapped without an indent.
    std::string out;
    std::istringstream lines(footer);
    for (std::string line; std::getline(lines, line);) out += wrap(line, k_help_width, 0) + "\n";
    return out;
  }

  std::string make_description(const CLI::App* app) const override {
    return wrap(app->get_description(), k_help_width, 0) + "\n";
  }
};

// Edits (insertions, deletions, substitutions) between two short strings.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string suggest_option(const CLI::App& app, std::string_view unknown) {
  const std::string_view name = unknown.substr(0, unknown.find('='));
  std::string best;
  size_t best_distance = std::max<size_t>(2, name.size() / 4) + 1;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& long_name : option->get_lnames()) {
      const std::string candidate = "--" + long_name;
      size_t distance = edit_distance(name, candidate);
      // "--dur" for "--duration": a prefix is as good as one edit.
      if (name.size() >= 4 && candidate.compare(0, name.size(), name) == 0) distance = std::min<size_t>(distance, 1);
      if (distance < best_distance) {
        best_distance = distance;
        best = candidate;
      }
    }
  }
  return best;
}

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

void add_verbosity_flags(CLI::App& app, ReportOptions& options, bool short_verbose) {
  auto* quiet = app.add_flag("-q,--quiet", options.quiet, "Only errors on stderr: no progress, no summary");
  app.add_flag(short_verbose ? "-v,--verbose" : "--verbose", options.verbose, "More detail on stderr")->excludes(quiet);
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
  app.set_version_flag("-V,--version", version_string(tool), "Print the version and exit");
  app.option_defaults()->always_capture_default();
  app.formatter(std::make_shared<HelpFormatter>());
  // Arguments nothing takes are collected, in the order given, and reported below with
  // a suggestion, rather than as CLI11's "not expected" list (which it reverses).
  app.allow_extras();
  // Before parsing: `--help | true` must not die of SIGPIPE.
  install_signal_handlers();
  try {
    configure(app);
    // CLI11 wants argv non-const in 2.1; it does not modify it.
    app.parse(argc, const_cast<char**>(argv));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
    if (const std::vector<std::string> extras = app.remaining(); !extras.empty()) {
      const std::string& first = extras.front();
      std::string message;
      if (first.size() > 1 && first[0] == '-') {
        const std::string near = suggest_option(app, first);
        message = fmt::format("unknown option '{}'{}", first.substr(0, first.find('=')),
                              near.empty() ? std::string() : fmt::format("; did you mean {}?", near));
      } else {
        message = fmt::format("unexpected argument '{}'", first);
      }
      print_error(fmt::format("{} (see {} --help)", mask_password(message), name));
      return static_cast<int>(ExitCode::usage);
    }
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
