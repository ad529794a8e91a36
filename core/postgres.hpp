#pragma once
// PostgreSQL-wire connections (Materialize, PostgreSQL) through libpq directly: its
// results carry the server's error fields (position, detail, hint) that shop-mzsql
// reports, and cursors stream results of any size (shop-watch). libpqxx 6.4 exposes
// neither well.
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/settings.hpp"

namespace shop {

struct PgConnectionDeleter {
  void operator()(PGconn* connection) const noexcept { PQfinish(connection); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgConnection = std::unique_ptr<PGconn, PgConnectionDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// The target of a conninfo for messages: the URL or key=value string with its password
// masked, or "the PG* environment" for an empty one.
[[nodiscard]] std::string describe_postgres_target(std::string_view conninfo);

// Connects (a URL, key=value pairs, or "" for libpq's PG* variables and defaults).
// The conninfo goes to libpq unchanged (sslmode, sslrootcert, sslcert, sslkey, ...; the
// PG* variables fill in what it leaves out). First checks its TLS files
// (check_postgres_tls_files). Throws Error naming the masked target and libpq's reason.
[[nodiscard]] PgConnection connect_postgres(const std::string& conninfo, int connect_timeout_seconds = 10);
// "shop-watch: server WARNING: text": a notice of the server (libpq's "WARNING:  text\n",
// maybe with DETAIL/HINT lines) as one line of the program's diagnostics. connect_postgres
// routes every notice through it (shown unless -q).
[[nodiscard]] std::string server_notice_line(std::string_view program, std::string_view message);

// The files sslrootcert, sslcert and sslkey name (in `conninfo`, else PGSSLROOTCERT,
// PGSSLCERT, PGSSLKEY) must be readable unless sslmode (or PGSSLMODE) is disable: a
// UsageError (exit 2) naming the keyword (or variable) and the file otherwise, as the
// MySQL programs do with ssl-ca. libpq itself would skip a missing sslcert silently (no
// client certificate sent) and give two lines for a missing sslrootcert.
// sslrootcert=system needs libpq 16: a UsageError saying so with an older libpq.
// A conninfo libpq cannot parse is left to connect_postgres' error.
// A connection string checked before connecting, as psql reads one: a URI
// (postgres:// or postgresql://) or key=value pairs, parsed by libpq's own
// PQconninfoParse. Anything else (e.g. "127.0.0.1:5432/db", which libpq would take as a
// database name and then try a Unix socket) is refused: UsageError naming `source`
// (--url, DATABASE_URL, ...), the password masked.
void check_postgres_conninfo(std::string_view conninfo, std::string_view source);
// True when `text` is a connection string by psql's rule for its first argument: it
// starts with postgres:// or postgresql://, or holds an '='.
[[nodiscard]] bool looks_like_postgres_conninfo(std::string_view text);

void check_postgres_tls_files(const std::string& conninfo, const Environment& env = process_environment());

// libpq's connection failure message on one line: the first line, and each further
// attempt's "connection to server ... failed: ..." line (a host with several addresses,
// several hosts, sslmode=prefer's retry), joined by "; "; hint lines are left out.
[[nodiscard]] std::string connection_failure_text(std::string_view libpq_message);

// The error fields a server sends with a failed statement.
struct PgServerError {
  std::string severity;  // ERROR, FATAL, ...
  std::string sqlstate;
  std::string message;   // the primary message (libpq's whole text when fields are missing)
  std::string detail;
  std::string hint;
  size_t position = 0;   // 1-based character offset into the statement; 0: none
};
[[nodiscard]] PgServerError server_error_of(const PGresult* result, const PGconn* connection);

// True for a result that is not a success (PGRES_COMMAND_OK, _TUPLES_OK, _EMPTY_QUERY, _COPY_*).
[[nodiscard]] bool is_failure(const PGresult* result) noexcept;

// How a column's values are written in structured output (JSON lines, alignment).
enum class ColumnKind { text, number, boolean, json };
[[nodiscard]] ColumnKind column_kind(Oid type) noexcept;

// Appends `value` (libpq's text form) as JSON for its kind: numbers as numbers (NaN and
// infinities as strings), booleans as true/false, json/jsonb as they are, others as strings.
void append_json_value(std::string& out, std::string_view value, ColumnKind kind);
// Appends a CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF).
void append_csv_field(std::string& out, std::string_view value);
// Appends a TSV field with COPY's text escapes (\t, \n, \r, \\).
void append_tsv_field(std::string& out, std::string_view value);

}  // namespace shop
