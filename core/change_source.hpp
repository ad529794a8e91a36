#pragma once
// Where changes come from: a SUBSCRIBE cursor (Materialize) or a query polled and
// diffed (any PostgreSQL-wire server), both feeding the same state machine and the same
// sink. Both ride out a lost connection: reconnect with capped backoff, take the result
// afresh and emit only its difference from what was already emitted.
// In core/ because every program that follows a view uses it: shop-watch, and shop-serve
// (issue 14) with one source per view.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/postgres.hpp"
#include "core/result_state.hpp"

namespace shop {

struct ColumnInfo {
  std::string name;
  ColumnKind kind;
};

// Receives what a source produces, on the source's thread.
class Sink {
 public:
  virtual ~Sink() = default;
  // The result's columns (with --key: key columns first), before any change; again
  // after a reconnect (the same columns).
  virtual void columns(const std::vector<ColumnInfo>& columns) = 0;
  // One change (`row` valid only during the call); end_changes() closes each batch.
  virtual void change(const std::string& timestamp, int64_t diff, std::string_view row) = 0;
  virtual void end_changes() = 0;
  virtual void keyed_changes(const std::vector<KeyedChange>& changes) = 0;
  // The latest complete timestamp (progress), also when nothing changed.
  virtual void progress(const std::string& timestamp) = 0;
  // Connection status for people: "" when connected, else what is going on.
  virtual void status(const std::string& text) = 0;
  // The source is waiting: between polls, or for the server's next rows (at least once a
  // second). A sink writing to a pipe checks here that its reader is still there, so a
  // quiet stream into `| head -n 1` still ends (it throws StdoutClosed).
  virtual void idle() {}
  // True once the sink has had enough (--count reached, the table closed).
  [[nodiscard]] virtual bool done() const = 0;
};

enum class SourceMode { subscribe, poll };

struct SourceSettings {
  std::string conninfo;                   // "" = libpq's PG* variables
  std::string query;                      // a SELECT (a bare view name already expanded)
  SourceMode mode = SourceMode::poll;
  std::vector<std::string> key_columns;   // --key
  bool snapshot = true;                   // --no-snapshot: false
  std::string as_of;                      // --as-of
  std::string up_to;                      // --up-to
  std::chrono::nanoseconds interval{std::chrono::seconds(1)};   // poll mode
  std::chrono::nanoseconds retry_for{std::chrono::seconds(60)};  // without a connection
  // Tests against PostgreSQL: the name of a function standing in for SUBSCRIBE
  // (tests/integration/watch/subscribe_standin.sql). Each DECLARE and FETCH is sent as
  // `SELECT * FROM <function>('<the Materialize statement>')`, nothing else changes.
  std::string standin_function;
};

// True when the server is Materialize (it has mz_version()).
[[nodiscard]] bool is_materialize(PGconn* connection);

// --mode: "subscribe", "poll", or "auto" (subscribe when the server at `conninfo` is
// Materialize: this connects once to ask). A SUBSCRIBE stand-in implies subscribe.
[[nodiscard]] SourceMode resolve_source_mode(const std::string& mode, const std::string& conninfo,
                                             bool standin_given);

// A view's name as the query takes it: one to three dotted identifiers (view,
// schema.view, database.schema.view) without quoting.
[[nodiscard]] bool is_view_name(const std::string& text);
// The query to follow: `query_or_view` itself, or SELECT * FROM it when it is a view's name.
[[nodiscard]] std::string query_for(const std::string& query_or_view);

// Runs until the sink is done, a stop is requested, or (subscribe) the subscription
// ends (UP TO reached, or its inputs finished). Throws Error for a bad query (the
// server's message) or when no connection could be made for retry_for.
void run_source(const SourceSettings& settings, Sink& sink);

// The SUBSCRIBE statement the source declares its cursor for, AS OF `as_of` when given.
[[nodiscard]] std::string subscribe_statement(const SourceSettings& settings, const std::optional<std::string>& as_of);

}  // namespace shop
