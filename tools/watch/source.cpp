#include "source.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/pacing.hpp"
#include "core/signals.hpp"

namespace shop::watch {
namespace {

using Clock = std::chrono::steady_clock;

// The connection went away (as opposed to the query failing): worth reconnecting.
struct ConnectionLost {
  std::string reason;
};

constexpr int k_poll_chunk_rows = 10000;
const std::string k_fetch_poll_chunk = "FETCH FORWARD " + std::to_string(k_poll_chunk_rows) + " FROM shop_watch_poll";

// Sends a statement without waiting for its result (one at a time, as libpq allows).
void send(PGconn* connection, const std::string& sql) {
  if (PQsendQuery(connection, sql.c_str()) == 0) {
    const std::string reason = server_error_of(nullptr, connection).message;
    if (PQstatus(connection) != CONNECTION_OK) throw ConnectionLost{reason};
    throw Error(reason);
  }
}

// The result of the statement send() sent. Throws ConnectionLost when the connection
// broke, Error (exit 1) with the server's message, detail and hint when it failed.
PgResult receive(PGconn* connection) {
  PgResult result(PQgetResult(connection));
  while (PgResult rest{PQgetResult(connection)}) {
  }
  if (!is_failure(result.get())) return result;
  const PgServerError error = server_error_of(result.get(), connection);
  if (PQstatus(connection) != CONNECTION_OK) throw ConnectionLost{error.message};
  std::string message = error.message;
  if (!error.detail.empty()) message += " (" + error.detail + ")";
  if (!error.hint.empty()) message += " (hint: " + error.hint + ")";
  throw Error(message);
}

// Runs a statement and waits for its result: send() and receive().
PgResult execute(PGconn* connection, const std::string& sql) {
  send(connection, sql);
  return receive(connection);
}

std::string epoch_milliseconds() {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string quote_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (const char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

// Column positions of the key columns among `columns` (UsageError for an unknown one).
std::vector<size_t> key_positions(const std::vector<ColumnInfo>& columns, const std::vector<std::string>& keys) {
  std::vector<size_t> positions;
  for (const auto& key : keys) {
    const auto found = std::find_if(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == key; });
    if (found == columns.end()) throw UsageError(fmt::format("--key: the result has no column '{}'", key));
    positions.push_back(static_cast<size_t>(found - columns.begin()));
  }
  return positions;
}

Field field_of(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column) != 0) return std::nullopt;
  return std::string_view(PQgetvalue(result, row, column), static_cast<size_t>(PQgetlength(result, row, column)));
}

std::vector<ColumnInfo> columns_of(const PGresult* result, int first) {
  std::vector<ColumnInfo> columns;
  for (int c = first; c < PQnfields(result); ++c) columns.push_back({PQfname(result, c), column_kind(PQftype(result, c))});
  return columns;
}

class SourceRun {
 public:
  SourceRun(const SourceSettings& settings, Sink& sink) : m_settings(settings), m_sink(sink) {}

  void run() {
    bool ever_connected = false;
    while (!finished()) {
      PgConnection connection;
      try {
        connection = connect_postgres(m_settings.conninfo);
      } catch (const Error& error) {
        if (!ever_connected) throw;  // a wrong URL or a server that is not there: say so now
        if (!wait_before_retry(error.what())) return;
        continue;
      }
      if (ever_connected) debug("reconnected");
      ever_connected = true;
      m_outage.end();
      m_sink.status("");
      try {
        if (m_settings.mode == Mode::subscribe) {
          subscribe(connection.get());
        } else {
          poll(connection.get());
        }
        return;  // finished
      } catch (const ConnectionLost& lost) {
        if (!wait_before_retry(lost.reason)) return;
      }
    }
  }

 private:
  [[nodiscard]] ResultState::Emit emit() {
    return [this](const std::string& timestamp, int64_t diff, std::string_view row) { m_sink.change(timestamp, diff, row); };
  }

  [[nodiscard]] bool finished() const { return stop_requested() || m_sink.done() || m_reached_up_to; }

  // After a lost connection: waits with backoff; false when stopping or out of time.
  bool wait_before_retry(const std::string& reason) {
    m_sink.status(fmt::format("reconnecting ({})", reason));
    debug("connection lost: {}", reason);
    return m_outage.wait_before_retry(reason) && !m_sink.done();
  }

  void announce_columns(const std::vector<ColumnInfo>& columns) {
    if (m_columns && !same_names(*m_columns, columns)) {
      throw Error("the result's columns changed after reconnecting");
    }
    m_columns = columns;
    if (!m_settings.key_columns.empty()) {
      m_keys = key_positions(columns, m_settings.key_columns);
      // Key columns first, as ENVELOPE UPSERT gives them.
      std::vector<ColumnInfo> ordered;
      for (const size_t k : m_keys) ordered.push_back(columns[k]);
      for (size_t c = 0; c < columns.size(); ++c) {
        if (std::find(m_keys.begin(), m_keys.end(), c) == m_keys.end()) ordered.push_back(columns[c]);
      }
      m_sink.columns(ordered);
    } else {
      m_sink.columns(columns);
    }
  }

  static bool same_names(const std::vector<ColumnInfo>& a, const std::vector<ColumnInfo>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const ColumnInfo& x, const ColumnInfo& y) { return x.name == y.name; });
  }

  // Poll mode: the whole result each --interval, read through a cursor in chunks (any
  // size, bounded client memory per chunk), diffed against the last one.
  void poll(PGconn* connection) {
    while (!finished()) {
      const std::string timestamp = epoch_milliseconds();
      ResultState::Rows rows;
      rows.reserve(m_plain.rows().size());  // the last result's size: no rehashing on the way
      RowBuilder builder;
      KeyedState::Rows keyed;
      execute(connection, "BEGIN");
      execute(connection, "DECLARE shop_watch_poll NO SCROLL CURSOR FOR " + m_settings.query);
      // Each FETCH is sent before the previous chunk is taken apart, so the server
      // produces the next rows while these are processed.
      send(connection, k_fetch_poll_chunk);
      bool first = true;
      for (;;) {
        const PgResult chunk = receive(connection);
        const PGresult* result = chunk.get();
        const int count = PQntuples(result);
        const bool more = count == k_poll_chunk_rows && !stop_requested();
        if (more) send(connection, k_fetch_poll_chunk);
        if (first) {
          announce_columns_once(columns_of(result, 0));
          first = false;
        }
        for (int r = 0; r < count; ++r) {
          if (m_keys.empty()) {
            builder.clear();
            for (int c = 0; c < PQnfields(result); ++c) builder.add(field_of(result, r, c));
            rows.add(builder.view(), 1);
          } else {
            auto [key, value] = split_key(result, r, 0);
            keyed[std::move(key)] = std::move(value);
          }
        }
        if (!more) break;
      }
      execute(connection, "COMMIT");
      if (stop_requested()) return;
      if (m_keys.empty()) {
        m_plain.replace(std::move(rows), timestamp, emit());
        m_sink.end_changes();
      } else {
        m_sink.keyed_changes(m_keyed.replace(std::move(keyed), timestamp));
      }
      m_sink.progress(timestamp);
      if (finished() || !sleep_unless_stopped(m_settings.interval)) return;
    }
  }

  void announce_columns_once(const std::vector<ColumnInfo>& columns) {
    if (!m_announced) {
      announce_columns(columns);
      m_announced = true;
    } else if (!same_names(*m_columns, columns)) {
      throw Error("the result's columns changed");
    }
  }

  // Key fields and value fields of row `r`, data columns starting at `first`.
  std::pair<Row, Row> split_key(const PGresult* result, int r, int first) const {
    RowBuilder key;
    RowBuilder value;
    for (const size_t k : m_keys) key.add(field_of(result, r, first + static_cast<int>(k)));
    for (int c = first; c < PQnfields(result); ++c) {
      if (std::find(m_keys.begin(), m_keys.end(), static_cast<size_t>(c - first)) == m_keys.end()) {
        value.add(field_of(result, r, c));
      }
    }
    return {key.take(), value.take()};
  }

  // SUBSCRIBE through a cursor: rows (mz_timestamp, mz_progressed, mz_diff | mz_state,
  // columns...) are staged until a progress row closes their timestamp. After a
  // reconnect the subscription's snapshot is collected whole and only its difference
  // from the state already emitted goes out.
  void subscribe(PGconn* connection) {
    const bool fake = !m_settings.cursor_query.empty();
    const std::string fetch = fake ? "FETCH ALL shop_watch" : "FETCH ALL shop_watch WITH (timeout = '1s')";
    const bool keyed = !m_settings.key_columns.empty();
    // Resynchronising: the first timestamp's rows are a snapshot to diff, not changes.
    bool resync = false;
    execute(connection, "BEGIN");
    if (fake) {
      execute(connection, "DECLARE shop_watch CURSOR FOR " + m_settings.cursor_query);
    } else if (m_last_progress) {
      // Resume at the last complete timestamp, when the inputs still keep that history:
      // AS OF it, the snapshot is the state at that timestamp, and its difference from
      // what was emitted (everything before it) is exactly what was missed. Without a
      // snapshot (--no-snapshot) the changes from it on are taken as they come.
      try {
        execute(connection, "DECLARE shop_watch CURSOR FOR " + subscribe_statement(m_settings, *m_last_progress));
        debug("resumed AS OF {}", *m_last_progress);
        resync = m_settings.snapshot;
      } catch (const Error& error) {
        if (!m_settings.snapshot) {
          throw Error(fmt::format("cannot resume AS OF {} after reconnecting ({}), and --no-snapshot rules out a "
                                  "fresh snapshot",
                                  *m_last_progress, error.what()));
        }
        debug("cannot resume AS OF {} ({}): taking a new snapshot", *m_last_progress, error.what());
        execute(connection, "ROLLBACK");
        execute(connection, "BEGIN");
        execute(connection, "DECLARE shop_watch CURSOR FOR " + subscribe_statement(m_settings));
        resync = true;
      }
    } else {
      execute(connection, "DECLARE shop_watch CURSOR FOR " + subscribe_statement(m_settings));
      resync = m_announced && m_settings.snapshot;
    }
    ResultState::Rows snapshot;
    KeyedState::Rows keyed_snapshot;
    m_plain.discard_staged();
    m_keyed.discard_staged();
    while (!finished()) {
      const PgResult fetched = execute(connection, fetch);
      const PGresult* result = fetched.get();
      if (PQnfields(result) < 3) throw Error("the cursor's rows do not look like SUBSCRIBE ... WITH (PROGRESS) output");
      if (!m_announced) {
        const std::vector<ColumnInfo> data = columns_of(result, 3);
        // With ENVELOPE UPSERT the key columns already come first.
        if (keyed) {
          m_columns = data;
          m_keys.clear();
          for (size_t k = 0; k < m_settings.key_columns.size(); ++k) m_keys.push_back(k);
          m_sink.columns(data);
        } else {
          announce_columns(data);
        }
        m_announced = true;
      }
      const int count = PQntuples(result);
      if (count == 0 && fake) return;  // PostgreSQL's cursor is exhausted
      for (int r = 0; r < count; ++r) {
        const std::string timestamp = PQgetvalue(result, r, 0);
        const std::string_view progressed = PQgetvalue(result, r, 1);
        if (progressed == "t" || progressed == "true") {
          if (resync) {
            if (keyed) {
              m_sink.keyed_changes(m_keyed.replace(std::move(keyed_snapshot), timestamp));
            } else {
              m_plain.replace(std::move(snapshot), timestamp, emit());
              m_sink.end_changes();
            }
            resync = false;
          } else if (keyed) {
            m_sink.keyed_changes(m_keyed.close());
          } else {
            m_plain.close(emit());
            m_sink.end_changes();
          }
          m_last_progress = timestamp;
          m_sink.progress(timestamp);
          if (!m_settings.up_to.empty() && !timestamp_less(timestamp, m_settings.up_to)) {
            m_reached_up_to = true;
            return;
          }
          if (m_sink.done()) return;
          continue;
        }
        if (keyed) {
          const std::string_view state = PQgetvalue(result, r, 2);
          auto [key, value] = split_key(result, r, 3);
          const KeyedKind kind = state == "upsert"   ? KeyedKind::upsert
                                 : state == "delete" ? KeyedKind::remove
                                                     : KeyedKind::key_violation;
          if (resync && kind == KeyedKind::upsert) {
            keyed_snapshot[std::move(key)] = std::move(value);
          } else if (!resync) {
            m_keyed.stage(timestamp, kind, std::move(key), std::move(value));
          }
          continue;
        }
        const int64_t diff = std::stoll(PQgetvalue(result, r, 2));
        RowBuilder builder;
        for (int c = 3; c < PQnfields(result); ++c) builder.add(field_of(result, r, c));
        if (resync) {
          snapshot.add(builder.view(), diff);
        } else {
          m_plain.stage(timestamp, diff, builder.take());
        }
      }
    }
  }

  const SourceSettings& m_settings;
  Sink& m_sink;
  ResultState m_plain;
  KeyedState m_keyed;
  std::optional<std::vector<ColumnInfo>> m_columns;
  std::vector<size_t> m_keys;
  bool m_announced = false;
  bool m_reached_up_to = false;
  std::optional<std::string> m_last_progress;  // everything below it was emitted
  Outage m_outage{m_settings.retry_for};
};

}  // namespace

bool is_materialize(PGconn* connection) {
  PgResult result(PQexec(connection, "SELECT mz_version()"));
  const bool materialize = !is_failure(result.get());
  if (!materialize) PgResult rollback(PQexec(connection, "ROLLBACK"));  // harmless outside a transaction
  return materialize;
}

std::string subscribe_statement(const SourceSettings& settings, const std::optional<std::string>& resume_from) {
  std::string statement = "SUBSCRIBE (" + settings.query + ")";
  if (!settings.key_columns.empty()) {
    std::string keys;
    for (const auto& key : settings.key_columns) keys += (keys.empty() ? "" : ", ") + quote_identifier(key);
    statement += " ENVELOPE UPSERT (KEY (" + keys + "))";
  }
  statement += settings.snapshot ? " WITH (PROGRESS)" : " WITH (PROGRESS, SNAPSHOT = false)";
  if (resume_from) {
    statement += " AS OF " + *resume_from;
  } else if (!settings.as_of.empty()) {
    statement += " AS OF " + settings.as_of;
  }
  if (!settings.up_to.empty()) statement += " UP TO " + settings.up_to;
  return statement;
}

void run_source(const SourceSettings& settings, Sink& sink) { SourceRun(settings, sink).run(); }

}  // namespace shop::watch
