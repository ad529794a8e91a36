// core/postgres.cpp: value formatting for structured output (no server).
#include "core/postgres.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.hpp"

namespace shop {
namespace {

std::string json(std::string_view value, ColumnKind kind) {
  std::string out;
  append_json_value(out, value, kind);
  return out;
}

TEST(ColumnKind, FollowsTheBuiltInTypeOids) {
  EXPECT_EQ(column_kind(16), ColumnKind::boolean);
  for (const Oid number : {20u, 21u, 23u, 26u, 700u, 701u, 1700u}) EXPECT_EQ(column_kind(number), ColumnKind::number);
  EXPECT_EQ(column_kind(114), ColumnKind::json);
  EXPECT_EQ(column_kind(3802), ColumnKind::json);
  EXPECT_EQ(column_kind(25), ColumnKind::text);    // text
  EXPECT_EQ(column_kind(1114), ColumnKind::text);  // timestamp
}

TEST(AppendJsonValue, NumbersBooleansJsonAndStrings) {
  EXPECT_EQ(json("42", ColumnKind::number), "42");
  EXPECT_EQ(json("-1.50", ColumnKind::number), "-1.50");
  EXPECT_EQ(json("NaN", ColumnKind::number), "\"NaN\"");  // no JSON number for these
  EXPECT_EQ(json("-Infinity", ColumnKind::number), "\"-Infinity\"");
  EXPECT_EQ(json("t", ColumnKind::boolean), "true");
  EXPECT_EQ(json("f", ColumnKind::boolean), "false");
  EXPECT_EQ(json(R"({"a": [1]})", ColumnKind::json), R"({"a": [1]})");
  EXPECT_EQ(json("{\"a\":\n 1}", ColumnKind::json), "{\"a\":  1}");  // json keeps its input's line breaks
  EXPECT_EQ(json("[\"\xe9\"]", ColumnKind::json), R"(["\ufffd"])");  // SQL_ASCII checks no encoding
  EXPECT_EQ(json("caf\xe9", ColumnKind::text), R"("caf\ufffd")");
  EXPECT_EQ(json("say \"hi\"\n", ColumnKind::text), R"("say \"hi\"\n")");
}

TEST(AppendCsvField, QuotesOnlyWhenNeeded) {
  std::string out;
  append_csv_field(out, "plain");
  out += ',';
  append_csv_field(out, "a,b");
  out += ',';
  append_csv_field(out, "say \"hi\"");
  out += ',';
  append_csv_field(out, "two\nlines");
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
}

TEST(AppendTsvField, UsesCopyTextEscapes) {
  std::string out;
  append_tsv_field(out, "a\tb\nc\\d\re");
  EXPECT_EQ(out, R"(a\tb\nc\\d\re)");
}

TEST(DescribePostgresTarget, MasksPasswordsAndNamesTheEnvironment) {
  EXPECT_EQ(describe_postgres_target("postgres://u:secret@h:5432/db"), "postgres://u:****@h:5432/db");
  EXPECT_EQ(describe_postgres_target(""), "the PG* environment");
  EXPECT_EQ(describe_postgres_target("host=h password=secret user=u").find("secret"), std::string::npos);
}

// libpq's messages for a host with two addresses, the first refusing (libpq 15 wording).
TEST(ConnectionFailureText, EveryAttemptOnOneLineWithoutHints) {
  EXPECT_EQ(connection_failure_text(
                "connection to server at \"localhost\" (::1), port 5432 failed: Connection refused\n"
                "\tIs the server running on that host and accepting TCP/IP connections?\n"
                "connection to server at \"localhost\" (127.0.0.1), port 5432 failed: SSL error: certificate verify "
                "failed\n"),
            "connection to server at \"localhost\" (::1), port 5432 failed: Connection refused; "
            "connection to server at \"localhost\" (127.0.0.1), port 5432 failed: SSL error: certificate verify failed");
  EXPECT_EQ(connection_failure_text("connection to server at \"127.0.0.1\", port 1 failed: root certificate file "
                                    "\"/x/ca.pem\" does not exist\nEither provide the file or change sslmode to "
                                    "disable server certificate verification.\n"),
            "connection to server at \"127.0.0.1\", port 1 failed: root certificate file \"/x/ca.pem\" does not exist");
  EXPECT_EQ(connection_failure_text("could not translate host name \"x\" to address: Name or service not known\n"),
            "could not translate host name \"x\" to address: Name or service not known");
  EXPECT_EQ(connection_failure_text(""), "");
}

class TlsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = std::filesystem::temp_directory_path() / ("core_postgres_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir);
    std::ofstream(m_dir / "ca.pem") << "not checked\n";
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  [[nodiscard]] std::string path(const char* name) const { return (m_dir / name).string(); }
  // The UsageError's message, "" when none.
  [[nodiscard]] std::string check(const std::string& conninfo) const {
    try {
      check_postgres_tls_files(conninfo, [this](std::string_view name) -> std::optional<std::string> {
        const auto found = env.find(std::string(name));
        if (found == env.end()) return std::nullopt;
        return found->second;
      });
    } catch (const UsageError& error) {
      return error.what();
    }
    return "";
  }
  std::map<std::string, std::string> env;
  std::filesystem::path m_dir;
};

TEST_F(TlsFiles, ReadableFilesInAUrlAKeyValueStringOrThePgVariablesPass) {
  EXPECT_EQ(check("postgres://u@h:1/d?sslmode=verify-full&sslrootcert=" + path("ca.pem")), "");
  EXPECT_EQ(check("host=h sslmode=verify-full sslrootcert='" + path("ca.pem") + "'"), "");
  env["PGSSLROOTCERT"] = path("ca.pem");
  EXPECT_EQ(check("postgres://u@h:1/d?sslmode=verify-full"), "");
  EXPECT_EQ(check(""), "");
  EXPECT_EQ(check("not a :: conninfo = '"), "");  // left to libpq's own message
}

TEST_F(TlsFiles, AMissingFileIsAUsageErrorNamingTheKeywordOrVariable) {
  const std::string missing = path("missing.pem");
  EXPECT_EQ(check("postgres://u@h:1/d?sslmode=verify-full&sslrootcert=" + missing),
            "sslrootcert: cannot read " + missing + " (No such file or directory)");
  // libpq would skip a missing client certificate silently.
  EXPECT_EQ(check("host=h sslmode=require sslcert=" + missing), "sslcert: cannot read " + missing +
                                                                      " (No such file or directory)");
  EXPECT_EQ(check("host=h sslkey=" + missing), "sslkey: cannot read " + missing + " (No such file or directory)");
  EXPECT_EQ(check("host=h sslkey=" + m_dir.string()), "sslkey: " + m_dir.string() + " is a directory, not a PEM file");
  env["PGSSLCERT"] = missing;
  EXPECT_EQ(check("postgres://u@h:1/d"), "PGSSLCERT: cannot read " + missing + " (No such file or directory)");
  EXPECT_EQ(check(""), "PGSSLCERT: cannot read " + missing + " (No such file or directory)");
  // The conninfo's own value wins over the variable, as in libpq.
  EXPECT_EQ(check("host=h sslcert=" + path("ca.pem")), "");
}

TEST_F(TlsFiles, SslmodeDisableReadsNoFiles) {
  EXPECT_EQ(check("host=h sslmode=disable sslrootcert=" + path("missing.pem")), "");
  env["PGSSLMODE"] = "disable";
  EXPECT_EQ(check("host=h sslrootcert=" + path("missing.pem")), "");
  EXPECT_NE(check("host=h sslmode=verify-ca sslrootcert=" + path("missing.pem")), "");
}

TEST_F(TlsFiles, AnUnreadableFile) {
  ::chmod(path("ca.pem").c_str(), 0);
  const std::string conninfo = "host=h sslrootcert=" + path("ca.pem");
  const std::string expected = "sslrootcert: cannot read " + path("ca.pem") + " (Permission denied)";
  if (::geteuid() != 0) {
    EXPECT_EQ(check(conninfo), expected);
    return;
  }
  // Root reads any file (CI runs as root): the check runs in a child that gave up root
  // for nobody (65534), and sends back what it found. The directory lets nobody through,
  // so what it meets is the file's own mode.
  std::filesystem::permissions(m_dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                          std::filesystem::perms::others_exec);
  int result_pipe[2];
  ASSERT_EQ(::pipe(result_pipe), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(result_pipe[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    const std::string found = check(conninfo);
    const bool sent = ::write(result_pipe[1], found.data(), found.size()) == static_cast<ssize_t>(found.size());
    ::_exit(sent ? 0 : 4);
  }
  ::close(result_pipe[1]);
  std::string found;
  char buffer[512];
  for (ssize_t n; (n = ::read(result_pipe[0], buffer, sizeof buffer)) > 0;) found.append(buffer, static_cast<size_t>(n));
  ::close(result_pipe[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(found, expected);
}

TEST_F(TlsFiles, SystemNeedsLibpq16AndAnEngineKeyIsNoFile) {
  if (PQlibVersion() >= 160000) {
    EXPECT_EQ(check("host=h sslmode=verify-full sslrootcert=system"), "");
  } else {
    EXPECT_NE(check("host=h sslmode=verify-full sslrootcert=system").find("needs libpq 16 or later"), std::string::npos);
  }
  EXPECT_EQ(check("host=h sslkey=pkcs11:token"), "");
}

TEST(ServerNoticeLine, OneLineInTheProgramsStyle) {
  EXPECT_EQ(server_notice_line("shop-watch", "WARNING:  there is no transaction in progress\n"),
            "shop-watch: server WARNING: there is no transaction in progress");
  EXPECT_EQ(server_notice_line("shop-serve", "NOTICE:  relation \"t\" already exists, skipping\n"),
            "shop-serve: server NOTICE: relation \"t\" already exists, skipping");
  EXPECT_EQ(server_notice_line("shop-watch", "NOTICE:  first\nDETAIL:  second\nHINT:  third\n"),
            "shop-watch: server NOTICE: first; DETAIL:  second; HINT:  third");
  EXPECT_EQ(server_notice_line("p", "no severity here: a  b\n"), "p: server no severity here: a  b");
}

}  // namespace
}  // namespace shop
