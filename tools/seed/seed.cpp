#include "seed.hpp"

#include <CLI/CLI.hpp>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>

#include "core/cli.hpp"
#include "core/error.hpp"
#include "core/mysql.hpp"
#include "core/output.hpp"
#include "core/signals.hpp"
#include "core/status_line.hpp"
#include "core/summary.hpp"
#include "core/version.hpp"
#include "seed_sql.hpp"

namespace shop::seed {
namespace {

using Clock = std::chrono::steady_clock;

CatalogConfig make_config(const Options& options) {
  CatalogConfig config;
  config.users = options.users;
  config.items = options.items;
  config.seed = options.seed;
  const std::string_view text = options.inventory;
  const auto fail = [&](std::string_view why) {
    return UsageError(fmt::format("--inventory: {} in '{}' (expected MIN:MAX, e.g. 1000:5000)", why, text));
  };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) throw fail("missing ':'");
  const auto parse = [&](std::string_view part) {
    int32_t value = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || error != std::errc{} || end != part.data() + part.size()) throw fail("not a whole number");
    if (value < 0) throw fail("negative stock");
    return value;
  };
  config.inventory_min = parse(text.substr(0, colon));
  config.inventory_max = parse(text.substr(colon + 1));
  if (config.inventory_min > config.inventory_max) throw fail("MIN is greater than MAX");
  return config;
}

void write_dry_run(const Options& options, const CatalogConfig& config, const MysqlUrl& url) {
  StdoutWriter out(size_t{1} << 20);
  out.write(fmt::format(
      "-- shop-seed {} --dry-run: users={} items={} seed={} inventory={}:{}\n"
      "-- The same statements a live run executes; pipe into a client, e.g.\n"
      "--   shop-seed --dry-run | mariadb -h 127.0.0.1 -u root\n"
      "SET NAMES utf8mb4;\nSET time_zone = '+00:00';\n"
      "CREATE DATABASE IF NOT EXISTS {};\nUSE {};\n",
      k_version, config.users, config.items, config.seed, config.inventory_min, config.inventory_max,
      quote_mysql_identifier(url.database), quote_mysql_identifier(url.database)));
  for (const auto& statement : schema_statements()) out.write(statement + ";\n");
  out.write("START TRANSACTION;\n");
  if (options.reset) {
    for (const auto& statement : reset_statements()) out.write(statement + ";\n");
  }
  generate_inserts(config, [&](std::string_view statement, uint64_t) {
    out.write(statement);
    out.write(";\n");
    return true;
  });
  out.write("COMMIT;\n");
  out.flush();
}

struct RowCounts {
  uint64_t users = 0;
  uint64_t items = 0;
};

RowCounts count_rows(sql::Statement& statement) {
  std::unique_ptr<sql::ResultSet> result(
      statement.executeQuery("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM items)"));
  result->next();
  return {result->getUInt64(1), result->getUInt64(2)};
}

void execute(sql::Statement& statement, const std::string& sql, std::string_view what, const MysqlUrl& url) {
  try {
    statement.execute(sql);
  } catch (const sql::SQLException& error) {
    throw Error(fmt::format("cannot {} in {} ({})", what, url.masked(), describe_mysql_error(error)));
  }
}

class Seeder {
 public:
  Seeder(const Options& options, const CatalogConfig& config, MysqlUrl url)
      : m_options(options), m_config(config), m_url(std::move(url)) {}

  int run() {
    auto connection =
        connect_mysql(m_url, {.use_database = false, .allow_local_infile = m_options.load_method != "insert"});
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    // Like the tables, the database is created only when missing: even CREATE ... IF NOT
    // EXISTS is written to the binlog that a Materialize source is reading.
    if (!database_exists(*connection)) {
      execute(*statement, "CREATE DATABASE IF NOT EXISTS " + quote_mysql_identifier(m_url.database),
              "create database " + quote_mysql_identifier(m_url.database), m_url);
    }
    connection->setSchema(m_url.database);

    create_missing_tables(*statement);
    if (m_options.reset) return seed(*statement);  // empties the tables in the same transaction

    RowCounts counts;
    try {
      counts = count_rows(*statement);
    } catch (const sql::SQLException& error) {
      throw Error(fmt::format("cannot read the shop tables in {} ({})", m_url.masked(), describe_mysql_error(error)));
    }
    if (counts.users > 0 && counts.items > 0) return report_already_seeded(counts);
    if (counts.users > 0 || counts.items > 0) {
      throw Error(fmt::format(
          "{} is partly seeded ({} users, {} items): run shop-seed --reset to empty the shop tables and seed them",
          m_url.masked(), counts.users, counts.items));
    }
    return seed(*statement);
  }

 private:
  bool database_exists(sql::Connection& connection) {
    try {
      std::unique_ptr<sql::PreparedStatement> query(
          connection.prepareStatement("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?"));
      query->setString(1, m_url.database);
      std::unique_ptr<sql::ResultSet> found(query->executeQuery());
      return found->next() && found->getUInt64(1) > 0;
    } catch (const sql::SQLException& error) {
      throw Error(fmt::format("cannot list the databases of {} ({})", m_url.masked(), describe_mysql_error(error)));
    }
  }

  // Creates the shop tables that do not exist yet, and only those: even CREATE TABLE IF
  // NOT EXISTS of an existing table is written to MySQL's binlog, and a replicating
  // Materialize source should see no DDL on its tables.
  void create_missing_tables(sql::Statement& statement) {
    std::set<std::string> existing;
    try {
      std::unique_ptr<sql::ResultSet> tables(statement.executeQuery(
          "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"));
      while (tables->next()) existing.insert(std::string(tables->getString(1)));
    } catch (const sql::SQLException& error) {
      throw Error(fmt::format("cannot list the tables of {} ({})", m_url.masked(), describe_mysql_error(error)));
    }
    for (const auto& create : schema_statements()) {
      if (!existing.contains(created_table(create))) execute(statement, create, "create the shop tables", m_url);
    }
  }

  int report_already_seeded(const RowCounts& counts) {
    std::string note;
    if (counts.users != m_config.users || counts.items != m_config.items) {
      note = fmt::format(" (asked for {} users and {} items: use --reset to seed again)", m_config.users,
                         m_config.items);
    }
    info("{} is already seeded ({} users, {} items); left untouched{}", m_url.masked(), counts.users, counts.items,
         note);
    Summary summary;
    summary.set("tool", std::string("shop-seed"))
        .set("status", std::string("already_seeded"))
        .set("database", m_url.masked())
        .set("users", counts.users)
        .set("items", counts.items)
        .set("rows_written", uint64_t{0});
    if (!m_options.report.summary_json.empty()) summary.write_json_file(m_options.report.summary_json);
    return 0;
  }

  int seed(sql::Statement& statement) {
    const uint64_t total_rows = m_config.users + m_config.items;
    StatusLine status(m_options.report.progress);
    const auto started = Clock::now();
    std::atomic<uint64_t> rows_sent{0};
    const auto on_rows = [&](uint64_t rows) {  // called from the thread that generates rows
      const uint64_t sent = rows_sent += rows;
      const auto now = Clock::now();
      if (status.due(now)) {
        const double seconds = std::chrono::duration<double>(now - started).count();
        status.update(fmt::format("seeding: {}/{} rows, {:.0f} rows/s", sent, total_rows,
                                  static_cast<double>(sent) / seconds),
                      now);
      }
    };

    // Everything in one transaction: an interrupted or failed run leaves no rows behind,
    // so a database is either empty or completely seeded.
    // With --reset the old rows go in the same transaction: a reader such as Materialize
    // sees the old shop replaced by the new one at once, and a failed reset keeps the old.
    begin_transaction(statement);
    const auto rollback_and_fail = [&](const std::string& why) -> Error {
      status.clear();
      try {
        rollback_transaction(statement);
      } catch (const sql::SQLException&) {  // NOLINT(bugprone-empty-catch): the server rolls back a lost session
      }
      if (m_options.reset) {
        return Error(fmt::format("{}; nothing was changed (the transaction was rolled back; the shop tables in {} "
                                 "hold what they held before)",
                                 why, m_url.masked()));
      }
      return Error(fmt::format("{}; no rows were written (the transaction was rolled back; the shop tables in {} "
                               "exist and are empty, so running shop-seed again seeds them)",
                               why, m_url.masked()));
    };
    if (m_options.reset) {
      try {
        for (const auto& reset : reset_statements()) statement.execute(reset);
      } catch (const sql::SQLException& error) {
        throw rollback_and_fail(
            fmt::format("cannot empty the shop tables in {} ({})", m_url.masked(), describe_mysql_error(error)));
      }
    }

    std::string method = m_options.load_method == "insert" ? "insert" : "load-data";
    bool completed = false;
    try {
      if (method == "load-data") {
        try {
          completed = load_table(statement, SeedTable::items, on_rows) && load_table(statement, SeedTable::users, on_rows);
        } catch (const sql::SQLException& error) {
          if (m_options.load_method != "auto" || !is_local_infile_refused(error)) throw;
          // Nothing was loaded (items is the first table), so falling back is clean.
          debug("LOAD DATA LOCAL refused ({}); using multi-row INSERTs", describe_mysql_error(error));
          method = "insert";
          rows_sent = 0;
        }
      }
      if (method == "insert") {
        completed = generate_inserts(m_config, [&](std::string_view sql, uint64_t rows) {
          if (stop_requested()) return false;
          statement.execute(sql::SQLString(sql.data(), sql.size()));
          on_rows(rows);
          return true;
        });
      }
    } catch (const sql::SQLException& error) {
      throw rollback_and_fail(fmt::format("cannot write rows to {} ({})", m_url.masked(), describe_mysql_error(error)));
    } catch (const Error& error) {
      throw rollback_and_fail(error.what());
    }
    status.clear();
    if (!completed || stop_requested()) throw rollback_and_fail("interrupted by a signal");

    try {
      commit_transaction(statement);
    } catch (const sql::SQLException& error) {
      throw Error(fmt::format(
          "COMMIT failed on {} ({}); whether the rows were stored is unknown: run shop-seed again, it reports "
          "whether the database is seeded",
          m_url.masked(), describe_mysql_error(error)));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    const double rate = static_cast<double>(total_rows) / seconds;
    info("seeded {} users and {} items into {} in {:.2f} s ({:.0f} rows/s, {})", m_config.users, m_config.items,
         m_url.masked(), seconds, rate, method);

    Summary summary;
    summary.set("tool", std::string("shop-seed"))
        .set("status", std::string("seeded"))
        .set("database", m_url.masked())
        .set("users", m_config.users)
        .set("items", m_config.items)
        .set("rows_written", total_rows)
        .set("load_method", method)
        .set("seconds", seconds)
        .set("rows_per_second", rate);
    if (!m_options.report.summary_json.empty()) summary.write_json_file(m_options.report.summary_json);
    return 0;
  }

  // Streams one table's rows through a pipe into LOAD DATA LOCAL INFILE '/dev/fd/N': the
  // client library reads the pipe as a file while a second thread generates the rows, so
  // nothing touches the disk and generation overlaps the server's work. Returns false
  // when a stop was requested (the rows sent so far are then rolled back by the caller).
  bool load_table(sql::Statement& statement, SeedTable table, const std::function<void(uint64_t)>& on_rows) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe ({})", std::strerror(errno)));
    const int read_fd = pipe_fds[0];
    const int write_fd = pipe_fds[1];
    std::atomic<bool> interrupted{false};
    uint64_t rows_generated = 0;
    std::thread writer([&] {
      try {
        generate_tsv(table, m_config, [&](std::string_view chunk, uint64_t rows) {
          if (stop_requested()) {
            interrupted = true;
            return false;
          }
          if (!write_to_pipe(write_fd, chunk)) return false;  // the reader went away
          rows_generated += rows;
          on_rows(rows);
          return true;
        });
      } catch (...) {  // NOLINT(bugprone-empty-catch): a short load is detected by the row count below
      }
      ::close(write_fd);  // end of file for the server
    });
    uint64_t stored = 0;
    std::exception_ptr failure;
    try {
      stored = static_cast<uint64_t>(
          statement.executeUpdate(load_data_statement(table, fmt::format("/dev/fd/{}", read_fd))));
    } catch (...) {
      failure = std::current_exception();
    }
    ::close(read_fd);  // a writer still blocked on a reader that never came now gets EPIPE
    writer.join();
    if (failure) std::rethrow_exception(failure);
    if (interrupted) return false;

    const uint64_t expected = table == SeedTable::items ? m_config.items : m_config.users;
    if (stored != expected || rows_generated != expected) {
      throw Error(fmt::format("LOAD DATA stored {} of {} rows into {}{}", stored, expected,
                              table == SeedTable::items ? "items" : "users", first_warning(statement)));
    }
    return true;
  }

  static bool write_to_pipe(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t written = ::write(fd, data.data(), data.size());
      if (written < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      data.remove_prefix(static_cast<size_t>(written));
    }
    return true;
  }

  static std::string first_warning(sql::Statement& statement) {
    try {
      std::unique_ptr<sql::ResultSet> warnings(statement.executeQuery("SHOW WARNINGS LIMIT 1"));
      if (warnings->next()) return fmt::format(" (first warning: {})", std::string(warnings->getString(3)));
    } catch (const sql::SQLException&) {  // NOLINT(bugprone-empty-catch): the count says enough
    }
    return "";
  }

  const Options& m_options;
  const CatalogConfig& m_config;
  MysqlUrl m_url;
};

}  // namespace

void add_options(CLI::App& app, Options& options) {
  constexpr uint64_t max_rows = 1'000'000'000;
  app.add_option("--users", options.users, "Number of users (ids 1..N)")
      ->transform(whole_number())
      ->check(CLI::Range(uint64_t{1}, max_rows))
      ->type_name("N");
  app.add_option("--items", options.items, "Number of items (ids 1..N)")
      ->transform(whole_number())
      ->check(CLI::Range(uint64_t{1}, max_rows))
      ->type_name("N");
  app.add_option("--seed", options.seed, "Random seed: the same flags give identical rows")
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--inventory", options.inventory, "Initial stock per item, uniform in MIN:MAX")->type_name("MIN:MAX");
  app.add_flag("--reset", options.reset,
               "Empty the shop tables and seed them again, in one transaction (also removes purchases and "
               "warehouse orders; the tables are kept, so a Materialize source reading them keeps working)");
  app.add_flag("--dry-run", options.dry_run,
               "Write the SQL to stdout instead of connecting (pipe it into the mariadb/mysql client)");
  add_mysql_option(app, options.mysql_url);
  app.add_option("--load-method", options.load_method,
                 "How rows reach the server: load-data (LOAD DATA LOCAL INFILE, fastest; needs local_infile on the "
                 "server), insert (multi-row INSERTs), auto (load-data, else insert)")
      ->check(CLI::IsMember({"auto", "load-data", "insert"}))
      ->type_name("METHOD");
  add_report_options(app, options.report);
  app.footer(
      "Creates the shop tables (sql/mysql/schema.sql) and fills users and items in one transaction.\n"
      "Running it again on a seeded database changes nothing and exits 0.");
}

int run(const Options& options, const Environment& env) {
  install_signal_handlers();  // also when called without run_tool(): SIGPIPE must not kill the pipe writer
  apply_verbosity(options.report);
  const CatalogConfig config = make_config(options);
  MysqlUrl url = mysql_url_from(options.mysql_url, env);
  if (options.dry_run) {
    write_dry_run(options, config, url);
    return 0;
  }
  debug("connecting to {}", url.masked());
  return Seeder(options, config, std::move(url)).run();
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "seed", "Create the shop schema in MySQL and fill it with users and items", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options); });
}

}  // namespace shop::seed
