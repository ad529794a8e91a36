#include "core/change_source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/pacing.hpp"
#include "core/signals.hpp"

namespace shop {
namespace {

using Clock = std::chrono::steady_clock;

// The connection went away (as opposed to the query failing): worth reconnecting.
struct ConnectionLost {
  std::string reason;
};

// A resumed subscription failed before its first row: its AS OF was refused.
struct AsOfRefused {
  std::string reason;
};

// FETCH as Materialize's parser takes it: FETCH [FORWARD] [n | ALL] [FROM] name
// [WITH (TIMEOUT = ...)] (src/sql-parser/src/parser.rs, parse_fetch). With a timeout it
// returns what arrived within it; without one it waits for at least one row.
constexpr auto k_fetch_timeout = std::chrono::seconds(1);
const std::string k_fetch_with_timeout = "FETCH ALL shop_watch WITH (timeout = '1s')";
const std::string k_fetch_waiting = "FETCH ALL shop_watch";

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

// The decimal timestamp one below `timestamp` ("0" stays "0": nothing is below it).
std::string previous_timestamp(std::string timestamp) {
  if (timestamp.empty() || timestamp == "0") return "0";
  size_t i = timestamp.size();
  while (timestamp[i - 1] == '0') timestamp[--i] = '9';  // a borrow; stops at a nonzero digit
  --timestamp[i - 1];
  if (timestamp.size() > 1 && timestamp.front() == '0') timestamp.erase(0, 1);
  return timestamp;
}

// `text` between two `quote` characters, each one inside doubled (SQL's rule for string
// literals and quoted identifiers alike).
std::string quoted(const std::string& text, char quote) {
  std::string out(1, quote);
  for (const char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  return out + quote;
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
        if (m_settings.mode == SourceMode::subscribe) {
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

  [[nodiscard]] bool finished() const { return stop_requested() || m_sink.done() || m_subscription_ended; }

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
      // DECLARE name CURSOR FOR: Materialize's grammar takes no NO SCROLL, SCROLL or
      // BINARY (src/sql-parser/src/parser.rs, parse_declare).
      execute(connection, "DECLARE shop_watch_poll CURSOR FOR " + m_settings.query);
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
      if (finished() || !pause(m_settings.interval)) return;
    }
  }

  // Sleeps for `duration` in slices of at most a quarter second, letting the sink check
  // its reader in between; false when a stop was requested.
  bool pause(std::chrono::nanoseconds duration) {
    const auto deadline = Clock::now() + duration;
    for (;;) {
      m_sink.idle();
      const auto left = deadline - Clock::now();
      if (left <= std::chrono::nanoseconds::zero()) return true;
      if (!sleep_unless_stopped(std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(250)))) return false;
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

  // The statement as sent: the Materialize statement itself or, against the test
  // stand-in (--subscribe-standin FUNCTION), a call of that PostgreSQL function with the
  // Materialize statement as its one argument. BEGIN, COMMIT and ROLLBACK go as they are.
  [[nodiscard]] std::string wire(const std::string& statement) const {
    if (m_settings.standin_function.empty()) return statement;
    return "SELECT * FROM " + m_settings.standin_function + "(" + quoted(statement, '\'') + ")";
  }

  // The AS OF a new subscription asks for: the user's --as-of at first; after a
  // reconnect the last complete timestamp P (everything below P was emitted).
  //  * With a snapshot, AS OF P: the snapshot is the state through P, so its difference
  //    from what was emitted is exactly the changes at P and any missed before.
  //  * With SNAPSHOT = false, AS OF T emits only updates at times after T
  //    (MaterializeInc/materialize src/compute/src/sink/subscribe.rs, should_emit:
  //    `as_of.less_than(time)` without a snapshot), so the changes at P need AS OF P-1.
  [[nodiscard]] std::optional<std::string> next_as_of() const {
    if (!m_last_progress) {
      return m_settings.as_of.empty() ? std::nullopt : std::optional<std::string>(m_settings.as_of);
    }
    if (m_settings.snapshot) return m_last_progress;
    return previous_timestamp(*m_last_progress);
  }

  // SUBSCRIBE ... WITH (PROGRESS) through a cursor, as doc/user/content/sql/subscribe.md
  // describes its output: rows (mz_timestamp, mz_progressed, mz_diff | mz_state,
  // columns...); a progress row at T means no more rows below T. Rows are staged until
  // a progress row closes their timestamp.
  void subscribe(PGconn* connection) {
    std::optional<std::string> as_of = next_as_of();
    bool resumed = m_last_progress.has_value();
    for (;;) {
      try {
        read_subscription(connection, as_of, resumed);
        return;
      } catch (const AsOfRefused& refused) {
        // An AS OF older than the history the inputs keep is refused; Materialize
        // reports it at the first FETCH, not at DECLARE (src/environmentd/tests/sql.rs
        // declares `AS OF 1` and fails on FETCH). History is kept for about a second
        // by default, so most resumes after an outage get here.
        if (!m_settings.snapshot) {
          throw Error(fmt::format("cannot resume AS OF {} after reconnecting ({}), and --no-snapshot rules out a "
                                  "fresh snapshot: changes from timestamp {} on are not shown",
                                  *as_of, refused.reason, *m_last_progress));
        }
        debug("cannot resume AS OF {} ({}): taking a fresh snapshot", *as_of, refused.reason);
        execute(connection, "ROLLBACK");
        as_of.reset();  // the server's choice: the fresh snapshot's difference is what was missed
        resumed = false;
      }
    }
  }

  // One subscription, from DECLARE to its end (UP TO reached or its inputs finished),
  // a stop, or a lost connection (ConnectionLost). A resumed subscription's failure before
  // its first row is AsOfRefused.
  void read_subscription(PGconn* connection, const std::optional<std::string>& as_of, bool resumed) {
    const bool keyed = !m_settings.key_columns.empty();
    const std::string declare =
        "DECLARE shop_watch CURSOR FOR " + subscribe_statement(m_settings, as_of);
    execute(connection, "BEGIN");
    try {
      execute(connection, wire(declare));
    } catch (const Error& error) {
      if (resumed) throw AsOfRefused{error.what()};
      throw;
    }
    debug("{}", declare);
    m_plain.discard_staged();
    m_keyed.discard_staged();
    // The snapshot: the rows at the subscription's AS OF, which the first row (a progress
    // row at the AS OF, before any snapshot row) names; it is complete at the first
    // progress row past the AS OF (subscribe.md, "AS OF"; active_compute_sink.rs,
    // initialize()). It replaces what was emitted, so only the difference goes out.
    bool in_snapshot = m_settings.snapshot;
    std::optional<std::string> subscription_as_of;
    ResultState::Rows snapshot;
    KeyedState::Rows keyed_snapshot;
    bool any_row = false;
    const auto finish_snapshot = [&] {  // only once subscription_as_of is known
      in_snapshot = false;
      if (keyed) {
        m_sink.keyed_changes(m_keyed.replace(std::move(keyed_snapshot), *subscription_as_of));
      } else {
        m_plain.replace(std::move(snapshot), *subscription_as_of, emit());
        m_sink.end_changes();
      }
    };
    const auto close_before = [&](const std::string& timestamp) {
      if (keyed) {
        m_sink.keyed_changes(m_keyed.close_before(timestamp));
      } else {
        m_plain.close_before(timestamp, emit());
        m_sink.end_changes();
      }
    };
    while (!finished()) {
      const auto sent = Clock::now();
      PgResult fetched;
      try {
        fetched = execute(connection, wire(k_fetch_with_timeout));
      } catch (const Error& error) {
        if (resumed && !any_row) throw AsOfRefused{error.what()};
        throw;
      }
      m_sink.idle();  // a FETCH returns within its timeout (1 s) even when nothing changed
      if (PQntuples(fetched.get()) == 0 && Clock::now() - sent < k_fetch_timeout) {
        // Back before the timeout without a row: the subscription may have ended (UP TO
        // reached, or its inputs finished: a constant view), which Materialize signals
        // only by closing the stream, with no final progress row (active_compute_sink.rs
        // sends none for the empty frontier; src/pgwire/src/protocol.rs returns a closed
        // stream at once). A FETCH without a timeout waits for a row (WaitOnce) unless the
        // stream is closed, so an empty one is the end (sql.rs, test_subscribe_basic).
        fetched = execute(connection, wire(k_fetch_waiting));
        if (PQntuples(fetched.get()) == 0) {
          if (in_snapshot && subscription_as_of) finish_snapshot();
          close_before({});  // every update has been presented: what is staged is complete
          m_subscription_ended = true;
          execute(connection, "COMMIT");
          debug("the subscription ended");
          return;
        }
      }
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
      for (int r = 0; r < count; ++r) {
        any_row = true;
        std::string timestamp = PQgetvalue(result, r, 0);
        const std::string_view progressed = PQgetvalue(result, r, 1);
        const bool is_progress = progressed == "t" || progressed == "true";
        if (!subscription_as_of) subscription_as_of = timestamp;
        if (is_progress) {
          if (in_snapshot && timestamp_less(*subscription_as_of, timestamp)) finish_snapshot();
          if (in_snapshot) continue;  // the progress row at the AS OF: the snapshot follows
          close_before(timestamp);
          // Never backwards: a --no-snapshot resume AS OF P-1 starts with progress at P-1.
          if (!m_last_progress || timestamp_less(*m_last_progress, timestamp)) {
            m_last_progress = timestamp;
            m_sink.progress(timestamp);
          }
          if (!m_settings.up_to.empty() && !timestamp_less(timestamp, m_settings.up_to)) {
            m_subscription_ended = true;
            return;
          }
          if (m_sink.done()) return;
          continue;
        }
        const bool snapshot_row = in_snapshot && timestamp == *subscription_as_of;
        if (keyed) {
          const std::string_view state = PQgetvalue(result, r, 2);
          auto [key, value] = split_key(result, r, 3);
          const KeyedKind kind = state == "upsert"   ? KeyedKind::upsert
                                 : state == "delete" ? KeyedKind::remove
                                                     : KeyedKind::key_violation;
          if (snapshot_row && kind == KeyedKind::upsert) {
            keyed_snapshot[std::move(key)] = std::move(value);
          } else if (snapshot_row && kind == KeyedKind::remove) {
            keyed_snapshot.erase(key);
          } else {
            m_keyed.stage(std::move(timestamp), kind, std::move(key), std::move(value));
          }
          continue;
        }
        const int64_t diff = std::stoll(PQgetvalue(result, r, 2));
        RowBuilder builder;
        for (int c = 3; c < PQnfields(result); ++c) builder.add(field_of(result, r, c));
        if (snapshot_row) {
          snapshot.add(builder.view(), diff);
        } else {
          m_plain.stage(std::move(timestamp), diff, builder.take());
        }
      }
    }
  }

  const SourceSettings& m_settings;
  Sink& m_sink;
  ResultState m_plain{m_settings.snapshot};
  KeyedState m_keyed{m_settings.snapshot};
  std::optional<std::vector<ColumnInfo>> m_columns;
  std::vector<size_t> m_keys;
  bool m_announced = false;
  bool m_subscription_ended = false;  // UP TO reached, or its inputs finished
  std::optional<std::string> m_last_progress;  // everything below it was emitted
  Outage m_outage{m_settings.retry_for};
};

}  // namespace

bool is_materialize(PGconn* connection) {
  PgResult result(PQexec(connection, "SELECT mz_version()"));
  const bool materialize = !is_failure(result.get());
  // A failed query inside a transaction leaves it aborted; outside one (the usual case)
  // there is nothing to roll back, and PostgreSQL would warn "there is no transaction in
  // progress".
  if (!materialize && PQtransactionStatus(connection) == PQTRANS_INERROR) PgResult rollback(PQexec(connection, "ROLLBACK"));
  return materialize;
}

std::string subscribe_statement(const SourceSettings& settings, const std::optional<std::string>& as_of) {
  // SUBSCRIBE (query) [ENVELOPE UPSERT (KEY (...))] WITH (...) [AS OF t] [UP TO t], as
  // doc/user/content/sql/subscribe.md writes it.
  std::string statement = "SUBSCRIBE (" + settings.query + ")";
  if (!settings.key_columns.empty()) {
    std::string keys;
    for (const auto& key : settings.key_columns) keys += (keys.empty() ? "" : ", ") + quoted(key, '"');
    statement += " ENVELOPE UPSERT (KEY (" + keys + "))";
  }
  statement += settings.snapshot ? " WITH (PROGRESS)" : " WITH (PROGRESS, SNAPSHOT = false)";
  if (as_of) statement += " AS OF " + *as_of;
  if (!settings.up_to.empty()) statement += " UP TO " + settings.up_to;
  return statement;
}

void run_source(const SourceSettings& settings, Sink& sink) { SourceRun(settings, sink).run(); }

SourceMode resolve_source_mode(const std::string& mode, const std::string& conninfo, bool standin_given) {
  if (mode == "subscribe" || standin_given) return SourceMode::subscribe;
  if (mode == "poll") return SourceMode::poll;
  const auto connection = connect_postgres(conninfo);
  const SourceMode resolved = is_materialize(connection.get()) ? SourceMode::subscribe : SourceMode::poll;
  debug("{}: {} mode", describe_postgres_target(conninfo),
        resolved == SourceMode::subscribe ? "Materialize, subscribe" : "not Materialize, poll");
  return resolved;
}

bool is_view_name(const std::string& text) {
  static const std::regex k_name(R"(^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$)");
  return std::regex_match(text, k_name);
}

std::string query_for(const std::string& query_or_view) {
  return is_view_name(query_or_view) ? "SELECT * FROM " + query_or_view : query_or_view;
}

}  // namespace shop
