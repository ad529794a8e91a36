#pragma once
// Helpers shared by the integration tests against MariaDB: running a program and
// capturing its output and status, and a fixture with per-test databases.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/mysql.hpp"
#include "core/url.hpp"

namespace shop::testing_support {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

inline std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// A file name under TempDir() private to this process (test binaries run in parallel).
inline std::string temp_path(std::string_view name) {
  return testing::TempDir() + "shop_test_" + std::to_string(::getpid()) + "_" + std::string(name);
}

// Runs a shell command line, capturing stdout, stderr and the exit status.
inline CommandResult run_shell(const std::string& command) {
  const std::string out_path = temp_path("command.out");
  const std::string err_path = temp_path("command.err");
  const std::string line = "(" + command + ") >" + out_path + " 2>" + err_path;
  const int status = std::system(("bash -c " + shell_quote(line)).c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

inline size_t line_count(const std::string& text) {
  size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1u : 0u;
  return lines;
}

// A MariaDB test with its own databases (dropped afterwards), from MYSQL_URL.
class MysqlTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("MYSQL_URL");
    ASSERT_NE(url, nullptr) << "MYSQL_URL is not set: run through ctest (the harness starts MariaDB)";
    m_server = shop::parse_mysql_url(url, "MYSQL_URL");
    m_admin = shop::connect_mysql(m_server, {.use_database = false});
    m_database = database_prefix() + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 40);
    drop_database(m_database);
  }

  void TearDown() override {
    if (m_admin) {
      for (const auto& database : m_created) drop_database(database);
    }
  }

  [[nodiscard]] shop::MysqlUrl url_for(const std::string& database) {
    shop::MysqlUrl url = m_server;
    url.database = database;
    if (std::find(m_created.begin(), m_created.end(), database) == m_created.end()) m_created.push_back(database);
    return url;
  }

  [[nodiscard]] std::string url_text(const std::string& database) {
    const auto url = url_for(database);
    return "mysql://" + url.user + (url.has_password ? ":" + url.password : "") + "@" + url.host + ":" +
           std::to_string(url.port) + "/" + database;
  }

  // Runs `program` with --mysql for `database` plus `args`.
  CommandResult run_tool(const std::string& program, const std::string& database, const std::string& args) {
    return run_shell(program + " --mysql " + shell_quote(url_text(database)) + " " + args);
  }

  // Reconnects the test's own session (after a server restart).
  void reconnect_admin() { m_admin = shop::connect_mysql(m_server, {.use_database = false}); }

  // MySQL names are at most 64 characters; tests add suffixes such as "_insert".
  [[nodiscard]] virtual std::string database_prefix() const = 0;

  void execute(const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(m_admin->createStatement());
    statement->execute(sql);
  }

  std::string query_value(const std::string& sql) {
    std::unique_ptr<sql::Statement> statement(m_admin->createStatement());
    std::unique_ptr<sql::ResultSet> result(statement->executeQuery(sql));
    if (!result->next()) return "<no rows>";
    return result->isNull(1) ? "NULL" : std::string(result->getString(1));
  }

  uint64_t count(const std::string& database, const std::string& table) {
    return std::stoull(query_value("SELECT COUNT(*) FROM `" + database + "`.`" + table + "`"));
  }

  // Every column of every row, in id order: byte-for-byte comparison of content.
  std::string dump(const std::string& database, const std::string& table) {
    std::unique_ptr<sql::Statement> statement(m_admin->createStatement());
    std::unique_ptr<sql::ResultSet> result(
        statement->executeQuery("SELECT * FROM `" + database + "`.`" + table + "` ORDER BY id"));
    const auto columns = result->getMetaData()->getColumnCount();
    std::string out;
    while (result->next()) {
      for (unsigned column = 1; column <= columns; ++column) {
        out += result->isNull(column) ? std::string("\\N") : std::string(result->getString(column));
        out += column == columns ? '\n' : '\t';
      }
    }
    return out;
  }

  std::string dump_all(const std::string& database) { return dump(database, "items") + dump(database, "users"); }

  std::string mariadb_client(const std::string& database) {
    return "mariadb --protocol=tcp -h " + m_server.host + " -P " + std::to_string(m_server.port) + " -u " +
           shell_quote(m_server.user) + (m_server.has_password ? " -p" + shell_quote(m_server.password) : "") + " " +
           database;
  }

  void drop_database(const std::string& database) { execute("DROP DATABASE IF EXISTS `" + database + "`"); }

  shop::MysqlUrl m_server;
  std::unique_ptr<sql::Connection> m_admin;
  std::string m_database;
  std::vector<std::string> m_created;
};

}  // namespace shop::testing_support
