#include "core/postgres.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/url.hpp"

namespace shop {
namespace {

std::string first_line(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const size_t newline = text.find('\n');
  return std::string(newline == std::string_view::npos ? text : text.substr(0, newline));
}

std::string field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value == nullptr ? std::string() : std::string(value);
}

struct ConninfoOptionsDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};

// `keyword`'s value in `conninfo` (URL or key=value), else the PG* variable libpq reads
// for it; with where it came from for messages.
struct GivenOption {
  std::string value;
  std::string source;
};
std::optional<GivenOption> given_option(const PQconninfoOption* parsed, std::string_view keyword,
                                        std::string_view variable, const Environment& env) {
  for (const PQconninfoOption* option = parsed; option != nullptr && option->keyword != nullptr; ++option) {
    if (keyword == option->keyword && option->val != nullptr && *option->val != '\0') {
      return GivenOption{option->val, std::string(keyword)};
    }
  }
  if (auto value = env(variable)) return GivenOption{*value, std::string(variable)};
  return std::nullopt;
}

}  // namespace

bool looks_like_postgres_conninfo(std::string_view text) {
  // psql's rule (doc/src/sgml/ref/psql-ref.sgml, "dbname": "If this parameter contains an
  // = sign or starts with a valid URI prefix (postgresql:// or postgres://), it is treated
  // as a conninfo string").
  return text.starts_with("postgres://") || text.starts_with("postgresql://") || text.find('=') != std::string_view::npos;
}

void check_postgres_conninfo(std::string_view conninfo, std::string_view source) {
  if (conninfo.empty()) return;  // libpq's PG* variables and defaults
  if (!looks_like_postgres_conninfo(conninfo)) {
    throw UsageError(fmt::format(
        "{}: '{}' is not a connection string: expected postgres://user@host:port/database or "
        "key=value pairs ('host=... port=... dbname=...')",
        source, mask_password(conninfo)));
  }
  char* message = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> parsed(PQconninfoParse(std::string(conninfo).c_str(), &message));
  if (!parsed) {
    std::string reason = message != nullptr ? connection_failure_text(message) : std::string("out of memory");
    PQfreemem(message);
    // libpq quotes the text it could not read, which may hold the password.
    throw UsageError(fmt::format("{}: {} ({})", source, mask_password(reason), mask_password(conninfo)));
  }
}

void check_postgres_tls_files(const std::string& conninfo, const Environment& env) {
  std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> parsed;
  if (!conninfo.empty()) {
    char* message = nullptr;
    parsed.reset(PQconninfoParse(conninfo.c_str(), &message));
    PQfreemem(message);
    if (!parsed) return;  // connecting says what is wrong with it
  }
  const auto mode = given_option(parsed.get(), "sslmode", "PGSSLMODE", env);
  if (mode && mode->value == "disable") return;  // libpq reads none of them then
  const struct {
    std::string_view keyword;
    std::string_view variable;
  } files[] = {{"sslrootcert", "PGSSLROOTCERT"}, {"sslcert", "PGSSLCERT"}, {"sslkey", "PGSSLKEY"}};
  for (const auto& [keyword, variable] : files) {
    const auto file = given_option(parsed.get(), keyword, variable, env);
    if (!file) continue;
    if (keyword == "sslrootcert" && file->value == "system") {
      if (PQlibVersion() >= 160000) continue;  // libpq 16's "the system's trusted CAs"
      throw UsageError(fmt::format(
          "{}: 'system' (the system's CA certificates) needs libpq 16 or later, this is libpq {}.{}; "
          "name the CA bundle instead (Debian: /etc/ssl/certs/ca-certificates.crt)",
          file->source, PQlibVersion() / 10000, PQlibVersion() % 100));
    }
    // An OpenSSL engine's key ("engine:key") is no file.
    if (keyword == "sslkey" && file->value.find(':') != std::string::npos) continue;
    std::error_code error;
    if (std::filesystem::is_directory(file->value, error)) {
      throw UsageError(fmt::format("{}: {} is a directory, not a PEM file", file->source, file->value));
    }
    if (::access(file->value.c_str(), R_OK) != 0) {
      throw UsageError(fmt::format("{}: cannot read {} ({})", file->source, file->value, std::strerror(errno)));
    }
  }
}

std::string connection_failure_text(std::string_view libpq_message) {
  std::string out;
  bool first = true;
  while (!libpq_message.empty()) {
    const size_t newline = libpq_message.find('\n');
    std::string_view line = libpq_message.substr(0, newline);
    libpq_message = newline == std::string_view::npos ? std::string_view() : libpq_message.substr(newline + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (first) {
      out = line;
      first = false;
    } else if (line.substr(0, 21) == "connection to server ") {
      out += "; ";
      out += line;
    }
  }
  return out;
}

std::string describe_postgres_target(std::string_view conninfo) {
  return conninfo.empty() ? std::string("the PG* environment") : mask_password(conninfo);
}

PgConnection connect_postgres(const std::string& conninfo, int connect_timeout_seconds) {
  // connect_timeout as a separate keyword: a URL or key=value conninfo goes in as
  // "dbname" with expand_dbname, so both forms work and the user's own value wins.
  // fallback_application_name: the program's name shows in the server's session list
  // (pg_stat_activity, Materialize's mz_sessions) unless the user names one. libpq sends
  // it as the startup parameter application_name, a session variable Materialize has
  // (MaterializeInc/materialize src/sql/src/session/vars/definitions.rs, APPLICATION_NAME).
  check_postgres_tls_files(conninfo);
  const std::string timeout = std::to_string(connect_timeout_seconds);
  const std::string& application = program_name();
  // TCP keepalives and a user timeout, so that a silent partition (a server that stopped
  // answering, a dropped route) ends the connection in about half a minute instead of
  // never: a source then reconnects and says so. libpq's keywords (libpq docs, "Parameter
  // Key Words": keepalives_idle/_interval/_count, tcp_user_timeout in ms); given before
  // dbname, so a user's own values in the URL win.
  // client_encoding UTF8: what the programs write is UTF-8 (JSON, the terminal), so the
  // server converts from its database's encoding (a LATIN1 database's "é" arrives as
  // "é", not as a byte that would become U+FFFD). Without it libpq asks for nothing and
  // the server's client_encoding applies, by default the database's encoding (PostgreSQL
  // docs: runtime-config-client.html, client_encoding; charset.html, "Automatic Character
  // Set Conversion Between Server and Client"). Materialize takes UTF8 and nothing else (MaterializeInc/materialize
  // src/sql/src/session/vars/value.rs, ClientEncoding::parse; its default). A SQL_ASCII
  // database has no encoding to convert from: its bytes are checked against the client's
  // encoding on the way out, and one byte that is not UTF-8 would fail the whole query
  // ("invalid byte sequence for encoding \"UTF8\""; PostgreSQL's
  // src/backend/utils/mb/mbutils.c, pg_do_encoding_conversion: "No conversion is possible,
  // but we must validate the result"). There the client takes SQL_ASCII too, below: the
  // bytes arrive as they are, and the JSON writers replace what is not UTF-8
  // (core/json_text.hpp).
  const char* keys[] = {"connect_timeout", "fallback_application_name", "keepalives", "keepalives_idle",
                        "keepalives_interval", "keepalives_count", "tcp_user_timeout", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {timeout.c_str(), application.empty() ? nullptr : application.c_str(), "1", "10", "5", "3",
                          "30000", "UTF8", conninfo.empty() ? nullptr : conninfo.c_str(), nullptr};
  PgConnection connection(PQconnectdbParams(keys, values, 1));
  if (!connection) throw Error("out of memory connecting to " + describe_postgres_target(conninfo));
  if (PQstatus(connection.get()) != CONNECTION_OK) {
    throw Error(fmt::format("cannot connect to {} ({})", describe_postgres_target(conninfo),
                            mask_password(connection_failure_text(PQerrorMessage(connection.get())))));
  }
  // Never on Materialize: its text is UTF-8 (Rust strings), and it takes no client
  // encoding but UTF8 (value.rs above), so it reports no SQL_ASCII server encoding. A
  // client_encoding other than UTF8 given in the URL is left as it is.
  if (const char* server = PQparameterStatus(connection.get(), "server_encoding");
      server != nullptr && std::string_view(server) == "SQL_ASCII" &&
      std::string_view(pg_encoding_to_char(PQclientEncoding(connection.get()))) == "UTF8") {
    PQsetClientEncoding(connection.get(), "SQL_ASCII");
  }
  // libpq's default notice processor writes the server's NOTICEs and WARNINGs to stderr
  // as they come, unprefixed and past -q. A program that wants them otherwise
  // (shop-mzsql: with the statement's file and line) installs its own after this.
  PQsetNoticeProcessor(
      connection.get(), [](void*, const char* message) { info("{}", server_notice_line(program_name(), message)); },
      nullptr);
  return connection;
}

std::string server_notice_line(std::string_view program, std::string_view message) {
  // libpq formats a notice as "SEVERITY:  text\n" (two spaces, maybe a DETAIL or HINT
  // line after it): one line, the severity in the program's own style.
  std::string text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (size_t newline; (newline = text.find('\n')) != std::string::npos;) text.replace(newline, 1, "; ");
  if (const size_t colon = text.find(":  "); colon != std::string::npos && colon < 16) text.erase(colon + 1, 1);
  return fmt::format("{}: server {}", program, text);
}

PgServerError server_error_of(const PGresult* result, const PGconn* connection) {
  PgServerError error;
  if (result != nullptr) {
    error.severity = field(result, PG_DIAG_SEVERITY);
    error.sqlstate = field(result, PG_DIAG_SQLSTATE);
    error.message = field(result, PG_DIAG_MESSAGE_PRIMARY);
    error.detail = field(result, PG_DIAG_MESSAGE_DETAIL);
    error.hint = field(result, PG_DIAG_MESSAGE_HINT);
    const std::string position = field(result, PG_DIAG_STATEMENT_POSITION);
    if (!position.empty()) error.position = static_cast<size_t>(std::stoul(position));
    if (error.message.empty()) error.message = first_line(PQresultErrorMessage(result));
  }
  if (error.message.empty() && connection != nullptr) error.message = first_line(PQerrorMessage(connection));
  if (error.message.empty()) error.message = "unknown error";
  return error;
}

bool is_failure(const PGresult* result) noexcept {
  if (result == nullptr) return true;
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
    case PGRES_COPY_OUT:
    case PGRES_COPY_IN:
    case PGRES_COPY_BOTH:
    case PGRES_SINGLE_TUPLE:
      return false;
    default:
      return true;
  }
}

ColumnKind column_kind(Oid type) noexcept {
  // Built-in type OIDs (pg_type.dat), the same in Materialize.
  switch (type) {
    case 16:  // bool
      return ColumnKind::boolean;
    case 20:    // int8
    case 21:    // int2
    case 23:    // int4
    case 26:    // oid
    case 700:   // float4
    case 701:   // float8
    case 1700:  // numeric
      return ColumnKind::number;
    case 114:   // json
    case 3802:  // jsonb
      return ColumnKind::json;
    default:
      return ColumnKind::text;
  }
}

void append_json_value(std::string& out, std::string_view value, ColumnKind kind) {
  switch (kind) {
    case ColumnKind::boolean:
      out += value == "t" || value == "true" ? "true" : "false";
      return;
    case ColumnKind::number:
      // NaN and Infinity have no JSON number form.
      if (value.find_first_of("nN") != std::string_view::npos || value.find("nfinity") != std::string_view::npos) {
        append_json_string(out, value);
      } else {
        out += value;
      }
      return;
    case ColumnKind::json:
      append_json_text(out, value);
      return;
    case ColumnKind::text:
      append_json_string(out, value);
      return;
  }
}

void append_csv_field(std::string& out, std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += value;
    return;
  }
  out += '"';
  for (const char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_tsv_field(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
}

}  // namespace shop
