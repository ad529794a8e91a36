#include "mzsql.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/output.hpp"
#include "core/pacing.hpp"
#include "core/postgres.hpp"
#include "core/signals.hpp"
#include "core/status_line.hpp"
#include "result_printer.hpp"
#include "script.hpp"

namespace shop::mzsql {
namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  std::map<std::string, std::string> variables;  // --var
  std::string conninfo;                           // "" = libpq's PG* variables
  std::optional<std::chrono::nanoseconds> wait;
  ResultFormat format = ResultFormat::table;
};

Settings validate(const Options& options, const Environment& env) {
  Settings settings;
  for (const auto& assignment : options.variables) {
    const size_t equals = assignment.find('=');
    const std::string name = assignment.substr(0, equals);
    const bool valid_name = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) != 0 || name[0] == '_') &&
                            std::all_of(name.begin(), name.end(), [](char c) {
                              return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
                            });
    if (equals == std::string::npos || !valid_name) {
      throw UsageError(fmt::format("-v/--var: expected NAME=VALUE with NAME made of letters, digits and _, got '{}'",
                                   is_secret_variable(name) ? name + "=****" : assignment));
    }
    settings.variables[name] = assignment.substr(equals + 1);
  }
  settings.conninfo = resolve_postgres_url(options.url, env).value;
  if (!options.wait.empty()) settings.wait = parse_duration(options.wait, "--wait");
  settings.format = parse_result_format(options.format);
  if (options.inputs.empty() && options.commands.empty()) {
    throw UsageError("nothing to run: give SQL files, directories, - (stdin) or -c SQL");
  }
  return settings;
}

std::string read_stream(std::istream& in) {
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

// The scripts named by the arguments, in order: a directory gives its *.sql files in
// name order (not its subdirectories, e.g. sql/materialize/debezium/).
std::vector<std::pair<std::string, std::string>> load_scripts(const Options& options) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> scripts;  // (source name, text)
  auto read_file = [&](const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw UsageError(fmt::format("cannot read {} ({})", path.string(), std::strerror(errno)));
    scripts.emplace_back(path.string(), read_stream(file));
  };
  for (const auto& input : options.inputs) {
    if (input == "-") {
      scripts.emplace_back("<stdin>", read_stream(std::cin));
      continue;
    }
    std::error_code error;
    if (fs::is_directory(input, error)) {
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(input)) {
        if (entry.is_regular_file() && entry.path().extension() == ".sql") files.push_back(entry.path());
      }
      if (files.empty()) throw UsageError(fmt::format("{}: no *.sql files in this directory", input));
      std::sort(files.begin(), files.end());
      for (const auto& file : files) read_file(file);
    } else {
      read_file(input);
    }
  }
  for (size_t i = 0; i < options.commands.size(); ++i) {
    scripts.emplace_back(options.commands.size() == 1 ? "-c" : fmt::format("-c #{}", i + 1), options.commands[i]);
  }
  return scripts;
}

// A statement ready to run: its text with variables filled in, and the same with
// secrets masked for anything printed.
struct Prepared {
  Statement statement;
  Substituted text;
  std::string printable;
  // The statement's "skip if" query, filled in the same way (see script.hpp).
  std::shared_ptr<const Prepared> skip_if;
};

class Runner {
 public:
  Runner(const Options& options, Settings settings, const Environment& env)
      : m_options(options), m_settings(std::move(settings)), m_env(env), m_printer(m_settings.format, m_out) {}

  int execute() {
    prepare();
    if (m_options.dry_run) {
      for (const auto& prepared : m_prepared) {
        const std::string skip_if =
            prepared.skip_if ? fmt::format("{}{}\n", k_skip_if_directive, prepared.skip_if->printable) : std::string();
        m_out.write(fmt::format("-- {}:{}\n{}{};\n\n", prepared.statement.source, prepared.statement.start.line,
                                skip_if, prepared.printable));
      }
      m_out.flush();
      return 0;
    }
    connect();
    size_t failed = 0;
    size_t applied = 0;
    for (const auto& prepared : m_prepared) {
      if (stop_requested()) break;
      if (run_statement(prepared)) {
        ++applied;
      } else {
        ++failed;
        if (!m_options.keep_going) break;
      }
    }
    m_out.flush();
    const size_t not_run = m_prepared.size() - applied - failed;
    // A summary for applying scripts; a query given with -c alone just prints its rows.
    if (!m_options.inputs.empty() || failed > 0 || not_run > 0) {
      info("{} of {} statement(s) from {} script(s) applied to {}{}{}", applied, m_prepared.size(), m_script_count,
           describe_postgres_target(m_settings.conninfo),
           m_skipped > 0 ? fmt::format(" ({} skipped: already there)", m_skipped) : "",
           not_run > 0 ? fmt::format(", {} not run", not_run) : "");
    }
    if (failed > 0) throw Error(fmt::format("{} statement(s) failed", failed));
    if (stop_requested()) throw Error("interrupted");
    return 0;
  }

 private:
  // Splits every script, keeps the statements whose "-- shop-mzsql: if" lines hold and
  // fills in the variables; reports every unset variable at once, before anything connects.
  void prepare() {
    const auto scripts = load_scripts(m_options);
    m_script_count = scripts.size();
    const VariableLookup lookup = [this](const std::string& name) -> std::optional<std::string> {
      if (auto found = m_settings.variables.find(name); found != m_settings.variables.end()) return found->second;
      return m_env(name);
    };
    std::vector<Statement> statements;
    std::vector<std::string> unset;
    std::map<std::string, std::string> first_use;  // name -> "file:line"
    std::map<std::string, std::string> left_out;   // name -> "file:line" of a statement left out that uses it
    std::set<std::string> used;                    // by the statements kept
    const auto uses = [](const Statement& statement, const auto& note) {
      for (const auto& reference : statement.variables) note(reference.name);
      if (statement.skip_if) {
        for (const auto& reference : statement.skip_if->variables) note(reference.name);
      }
    };
    for (const auto& [source, text] : scripts) {
      std::vector<Statement> split;
      std::map<std::string, std::vector<std::string>> accepted;
      try {
        split = split_statements(std::make_shared<const std::string>(text), source);
        accepted = choices(split);
      } catch (const ScriptError& error) {
        throw UsageError(fmt::format("{}:{}:{}: {}", error.source, error.position.line, error.position.column,
                                     error.message));
      }
      for (const auto& [name, words] : accepted) {
        const auto value = lookup(name);
        if (value && std::none_of(words.begin(), words.end(), [&](const auto& word) { return same_word(*value, word); })) {
          throw UsageError(fmt::format("{}={} is not one of {} (the values {} accepts)", name,
                                       is_secret_variable(name) ? "****" : *value, fmt::join(words, ", "), source));
        }
      }
      for (auto& statement : split) {
        const size_t before = unset.size();
        const bool kept = conditions_hold(statement, lookup, unset);
        for (size_t i = before; i < unset.size(); ++i) {
          first_use[unset[i]] = fmt::format("{}:{}", statement.source, statement.start.line);
        }
        if (kept || unset.size() > before) {  // undecided: its unset variables are reported too
          uses(statement, [&](const std::string& name) { used.insert(name); });
          for (const auto& condition : statement.conditions) used.insert(condition.name);
          statements.push_back(std::move(statement));
        } else {
          uses(statement, [&](const std::string& name) {
            left_out.try_emplace(name, fmt::format("{}:{}", statement.source, statement.start.line));
          });
        }
      }
    }
    const auto prepare_one = [&](const Statement& statement) {
      const size_t before = unset.size();
      Prepared prepared{statement, substitute(statement, lookup, is_secret_variable, false, unset), {}, {}};
      std::vector<std::string> ignored;
      prepared.printable = substitute(statement, lookup, is_secret_variable, true, ignored).text;
      for (size_t i = before; i < unset.size(); ++i) {
        first_use[unset[i]] = fmt::format("{}:{}", statement.source, statement.start.line);
      }
      for (const auto& reference : statement.variables) {
        if (!is_secret_variable(reference.name)) continue;
        if (auto value = lookup(reference.name); value && value->size() >= 3) m_secret_values.push_back(*value);
      }
      return prepared;
    };
    for (auto& statement : statements) {
      Prepared prepared = prepare_one(statement);
      if (statement.skip_if) prepared.skip_if = std::make_shared<const Prepared>(prepare_one(*statement.skip_if));
      m_prepared.push_back(std::move(prepared));
    }
    if (!unset.empty()) {
      std::string list;
      for (const auto& name : unset) list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", name, first_use[name]);
      throw UsageError(fmt::format("unset variable{}: {}; set with --var NAME=VALUE or in the environment",
                                   unset.size() == 1 ? "" : "s", list));
    }
    // An optional variable set for a variant that was not chosen (a CA with PLAINTEXT,
    // SASL credentials without SASL) would otherwise be ignored without a word.
    std::string ignored;
    for (const auto& [name, where] : left_out) {
      if (used.count(name) == 0 && lookup(name)) ignored += fmt::format("{}{} ({})", ignored.empty() ? "" : ", ", name, where);
    }
    if (!ignored.empty()) {
      throw UsageError(fmt::format("set, but used only by statements that their '-- shop-mzsql: if' lines leave out: {}",
                                   ignored));
    }
  }

  void connect() {
    const std::string target = describe_postgres_target(m_settings.conninfo);
    if (!m_settings.wait) {
      m_connection = connect_postgres(m_settings.conninfo);
      install_notice_handler();
      return;
    }
    const auto start = Clock::now();
    const auto deadline = start + *m_settings.wait;
    StatusLine status(m_options.report.progress, std::chrono::milliseconds(500));
    Backoff backoff(std::chrono::milliseconds(250), std::chrono::seconds(2));
    std::string last_error;
    for (;;) {
      try {
        auto connection = connect_postgres(m_settings.conninfo, 5);
        PgResult probe(PQexec(connection.get(), "SELECT 1"));
        if (!is_failure(probe.get())) {
          status.clear();
          if (Clock::now() - start > std::chrono::seconds(1)) {
            info("{} answered after {}", target, format_duration(Clock::now() - start));
          }
          m_connection = std::move(connection);
          install_notice_handler();
          return;
        }
        last_error = server_error_of(probe.get(), connection.get()).message;
      } catch (const Error& error) {
        last_error = error.what();
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        status.clear();
        throw Error(fmt::format("gave up waiting after {} (--wait): {}", format_duration(*m_settings.wait), last_error));
      }
      if (status.due(now)) {
        status.update(fmt::format("waiting for {} ({:.0f} s of {}): {}", target,
                                  std::chrono::duration<double>(now - start).count(),
                                  format_duration(*m_settings.wait), last_error),
                      now);
      }
      debug("waiting: {}", last_error);
      if (!sleep_unless_stopped(std::min<std::chrono::nanoseconds>(backoff.next(), deadline - now))) {
        status.clear();
        throw Error("interrupted while waiting for " + target);
      }
    }
  }

  void install_notice_handler() {
    PQsetNoticeProcessor(
        m_connection.get(),
        [](void* self, const char* message) {
          auto& runner = *static_cast<Runner*>(self);
          std::string text = runner.mask_secrets(message);
          while (!text.empty() && text.back() == '\n') text.pop_back();
          if (runner.m_current != nullptr) {
            info("{}:{}: {}", runner.m_current->statement.source, runner.m_current->statement.start.line, text);
          } else {
            info("{}", text);
          }
        },
        this);
  }

  std::string mask_secrets(std::string text) const {
    for (const auto& secret : m_secret_values) {
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4)) {
        text.replace(at, secret.size(), "****");
      }
    }
    return text;
  }

  // Runs one statement; prints its rows or its error. False when it failed.
  bool run_statement(const Prepared& prepared) {
    if (prepared.skip_if) {
      m_current = prepared.skip_if.get();
      PgResult check(PQexec(m_connection.get(), prepared.skip_if->text.text.c_str()));
      m_current = nullptr;
      if (is_failure(check.get())) {
        report_error(*prepared.skip_if, server_error_of(check.get(), m_connection.get()));
        return false;
      }
      if (PQntuples(check.get()) > 0) {
        ++m_skipped;
        debug("{}:{}: skipped (its skip-if query returned a row)", prepared.statement.source,
              prepared.statement.start.line);
        return true;
      }
    }
    m_current = &prepared;
    debug("{}:{}: {}", prepared.statement.source, prepared.statement.start.line,
          prepared.printable.substr(0, prepared.printable.find('\n')));
    PgResult result(PQexec(m_connection.get(), prepared.text.text.c_str()));
    m_current = nullptr;
    if (is_failure(result.get())) {
      report_error(prepared, server_error_of(result.get(), m_connection.get()));
      if (PQstatus(m_connection.get()) != CONNECTION_OK) {
        throw Error("the connection to " + describe_postgres_target(m_settings.conninfo) + " was lost");
      }
      return false;
    }
    switch (PQresultStatus(result.get())) {
      case PGRES_TUPLES_OK:
        m_printer.print(result.get());
        break;
      case PGRES_COPY_OUT:
        copy_out();
        break;
      case PGRES_COPY_IN:
        PQputCopyEnd(m_connection.get(), "shop-mzsql does not send COPY FROM STDIN data");
        while (PgResult rest{PQgetResult(m_connection.get())}) {
        }
        report_error(prepared, {"ERROR", "", "COPY FROM STDIN is not supported by shop-mzsql", "", "", 0});
        return false;
      default:
        debug("{}:{}: {}", prepared.statement.source, prepared.statement.start.line, PQcmdStatus(result.get()));
    }
    return true;
  }

  // COPY ... TO STDOUT (e.g. COPY (SUBSCRIBE ...) TO STDOUT): rows as the server sends them.
  void copy_out() {
    for (;;) {
      char* buffer = nullptr;
      const int length = PQgetCopyData(m_connection.get(), &buffer, 0);
      if (length < 0) break;
      m_out.write({buffer, static_cast<size_t>(length)});
      PQfreemem(buffer);
      if (stop_requested()) {
        PQrequestCancel(m_connection.get());
      }
    }
    while (PgResult rest{PQgetResult(m_connection.get())}) {
    }
  }

  // "file:line:col: error: message", DETAIL, HINT, then the line with a caret.
  void report_error(const Prepared& prepared, const PgServerError& error) {
    m_out.flush();
    const Statement& statement = prepared.statement;
    SourcePosition position = statement.start;
    bool caret = false;
    if (error.position > 0) {
      // The server counts characters from 1 in the text it was sent.
      const std::string& sent = prepared.text.text;
      size_t byte = 0;
      for (size_t characters = 1; byte < sent.size(); ++byte) {
        if ((static_cast<unsigned char>(sent[byte]) & 0xC0) == 0x80) continue;
        if (characters++ == error.position) break;
      }
      position = position_in_source(statement, prepared.text.original_offset(byte));
      caret = true;
    }
    std::string text = fmt::format("{}:{}:{}: error: {}", statement.source, position.line, position.column,
                                   mask_secrets(error.message));
    if (!error.detail.empty()) text += "\nDETAIL:  " + mask_secrets(error.detail);
    if (!error.hint.empty()) text += "\nHINT:  " + mask_secrets(error.hint);
    const std::string_view line = source_line(statement, position.line);
    text += fmt::format("\n    {}", line);
    if (caret) {
      std::string marker;
      uint32_t column = 1;
      for (const char c : line) {
        if (column >= position.column) break;
        if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
        marker += c == '\t' ? '\t' : ' ';
        ++column;
      }
      text += fmt::format("\n    {}^", marker);
    }
    write_stderr_line(text);
  }

  const Options& m_options;
  Settings m_settings;
  const Environment& m_env;
  StdoutWriter m_out;
  ResultPrinter m_printer;
  std::vector<Prepared> m_prepared;
  std::vector<std::string> m_secret_values;
  size_t m_script_count = 0;
  size_t m_skipped = 0;  // by their skip-if query
  PgConnection m_connection;
  const Prepared* m_current = nullptr;
};

}  // namespace

void add_options(CLI::App& app, Options& options) {
  app.add_option("inputs", options.inputs,
                 "SQL files, directories (their *.sql in name order) or - for stdin, applied in order; a first "
                 "argument that is a connection string (postgres://... or key=value, as psql takes it) is --url")
      ->type_name("FILE|DIR|-");
  app.add_option("-c,--command", options.commands, "SQL to run after the inputs (repeatable)")
      ->type_name("SQL")
      ->default_str("")
      ->allow_extra_args(false);
  add_postgres_url_option(app, options.url);
  app.add_option("-v,--var", options.variables, "Fill ${NAME} and ${NAME:-default} (else from the environment)")
      ->type_name("NAME=VALUE")
      ->default_str("")
      ->allow_extra_args(false);
  app.add_option("--wait", options.wait, "Keep trying to connect for up to this long, e.g. 2m")->type_name("D");
  app.add_option("--format", options.format, "How rows are printed: table, csv, tsv or jsonl")
      ->type_name("FORMAT");
  app.add_flag("--dry-run", options.dry_run, "Print the statements after substitution; do not connect");
  app.add_flag("--continue", options.keep_going, "Go on after a failed statement (still exit 1 at the end)");
  add_verbosity_flags(app, options.report, /*short_verbose=*/false);  // -v is psql's -v NAME=VALUE
  app.add_flag("--progress", options.report.progress,
               "Show the --wait status line even when stderr is not a terminal");
  app.footer(
      "Statements are split as the server's lexer does (quotes, E'' strings, \"identifiers\", $$ bodies,\n"
      "-- and nested /* */ comments). Variables whose names hold PASSWORD, SECRET, TOKEN or KEY are\n"
      "secrets: never printed (**** in --dry-run and errors). Errors read file:line:col: error: ..., with\n"
      "the line and a caret.\n"
      "Directives: '-- shop-mzsql: skip if <query>' skips the next statement when the query returns a row;\n"
      "'-- shop-mzsql: if ${NAME} = WORD | in (WORD, ...) | is set | is not set' keeps it only when the\n"
      "test holds (words in any case; a value none of a file's tests name is refused before connecting).");
}

// psql's habit: `shop-mzsql postgres://... file.sql` (or 'host=... dbname=...') takes
// the first argument as the connection string.
Options with_connection_argument(Options options) {
  if (options.inputs.empty() || !looks_like_postgres_conninfo(options.inputs.front())) return options;
  if (!options.url.empty()) {
    throw UsageError(fmt::format("two connection strings: --url and the first argument '{}'; give one",
                                 mask_password(options.inputs.front())));
  }
  options.url = std::move(options.inputs.front());
  options.inputs.erase(options.inputs.begin());
  return options;
}

int run(const Options& given, const Environment& env) {
  install_signal_handlers();
  apply_verbosity(given.report);
  const Options options = with_connection_argument(given);
  Settings settings = validate(options, env);
  return Runner(options, std::move(settings), env).execute();
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "mzsql", "Applies SQL files to Materialize and prints what queries return", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options); });
}

}  // namespace shop::mzsql
