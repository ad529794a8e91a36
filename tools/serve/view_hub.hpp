#pragma once
// The views shop-serve keeps current and the clients that follow them. Everything here
// runs on the server's one I/O thread: the sources (one thread each) post what they
// produce to it, so no state below needs a lock.
//
// Per view: its current rows (a multiset, as the source's state machine gives them),
// the last complete timestamp, the recent change events kept for Last-Event-ID, and the
// clients following it. One change event per timestamp: that timestamp's changes in
// shop-watch --format jsonl's shapes (core/change_json.hpp).
//
// Event ids (event_stream.hpp) say, per view, up to which sequence the client holds it.
// Clients that follow the same views form an audience: once started, each of them holds
// every view of the audience up to the newest event, so an event's id is the same for
// all of them and one text (id and event) reaches them all.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/change_json.hpp"
#include "core/change_source.hpp"
#include "core/result_state.hpp"
#include "core/row_table.hpp"
#include "event_stream.hpp"
#include "send_queue.hpp"

namespace shop::serve {

// Someone reading the change stream (an HTTP event-stream session).
class StreamClient {
 public:
  virtual ~StreamClient() = default;
  // Queues one encoded event; a client that is too slow disconnects itself (and may
  // unsubscribe during the call). `start`: part of what the client starts from (its
  // snapshot or the events it missed), which never counts as falling behind.
  virtual void send(const SharedText& event, bool start) = 0;
};

enum class SourceState { connecting, live, reconnecting };
[[nodiscard]] const char* source_state_name(SourceState state) noexcept;

class ViewHub;
struct Audience;

class ViewFeed {
 public:
  ViewFeed(ViewHub& hub, size_t position, std::string name, std::string index_column);

  [[nodiscard]] const std::string& name() const noexcept { return m_name; }
  // True from the first complete result on (the snapshot), also while reconnecting.
  [[nodiscard]] bool ready() const noexcept { return m_ready; }
  [[nodiscard]] SourceState state() const noexcept { return m_state; }
  [[nodiscard]] const std::string& status_message() const noexcept { return m_status; }
  [[nodiscard]] const std::string& timestamp() const noexcept { return m_timestamp; }
  // When the source last reported progress (steady clock; epoch before the first).
  [[nodiscard]] std::chrono::steady_clock::time_point last_progress_at() const noexcept { return m_last_progress_at; }
  // Sends a status event when the view turns stale, or live again (ViewHub::check_staleness).
  void report_stale(bool stale);
  [[nodiscard]] uint64_t row_count() const noexcept { return m_row_count; }
  [[nodiscard]] uint64_t reconnects() const noexcept { return m_reconnects; }
  [[nodiscard]] uint64_t change_events() const noexcept { return m_change_events; }
  // When the last change was applied here (wall clock, for /metrics and bench/serve.sh).
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> last_change_applied() const noexcept {
    return m_last_change_applied;
  }

  // {"view": ..., "ts": ..., "columns": [...], "rows": [{...}, ...]} (GET /api/views/NAME
  // and the stream's snapshot event), built once per state.
  [[nodiscard]] const SharedText& snapshot_json();
  // The row whose index column (inventory_status: item_id) has this text, as a JSON
  // object (built when the row changed, not per request); nullptr when there is none
  // (or the view has no index column). Valid until the next change.
  [[nodiscard]] const std::string* indexed_row_json(std::string_view key) const;

 private:
  // snapshot_json()'s text, of every row, or with `key` of the rows whose index column
  // has that text (the per-item stream's snapshot).
  [[nodiscard]] std::string build_snapshot_json(const std::string* key) const;

  friend class ViewHub;
  // Where one change of an event is in its text, and its index column's value.
  struct KeySpan {
    std::string key;
    size_t begin, end;
  };
  struct LoggedEvent {
    uint64_t sequence;
    SharedText text;  // without its id, which depends on who it is sent to
    size_t head = 0;            // the text up to the changes' array
    std::vector<KeySpan> keys;  // with an index column: each change
  };
  // `event` with only the changes whose index column is `key`, with the same head and
  // end; nullopt when none is.
  [[nodiscard]] static std::optional<std::string> filtered(const LoggedEvent& event, std::string_view key);

  void set_columns(const std::vector<ColumnInfo>& columns);
  void apply(const std::vector<Change>& changes);
  void progress(const std::string& timestamp);
  void set_status(const std::string& text);
  void log(LoggedEvent event);
  // To every client following this view (started or waiting for its first snapshot).
  void send_to_clients(const SharedText& event);
  // The snapshot as an event with this id (built once for the clients that get the same);
  // with a key, of the rows whose index column is that key only.
  [[nodiscard]] SharedText snapshot_event(const std::string& id, const std::optional<std::string>& key);
  void send_change_event(const LoggedEvent& event);
  [[nodiscard]] SharedText progress_event() const;
  [[nodiscard]] SharedText status_event() const;
  // Can a client that has seen everything up to `sequence` go on from the log?
  [[nodiscard]] bool can_resume_after(uint64_t sequence) const noexcept {
    return m_ready && sequence >= m_ready_sequence && sequence >= m_dropped_through;
  }

  ViewHub& m_hub;
  size_t m_position;  // in --views: ids list views in this order
  std::string m_name;
  std::string m_index_column;
  std::optional<size_t> m_index_position;
  std::vector<ColumnInfo> m_columns;
  ChangeJson m_json;
  RowTable m_rows;
  uint64_t m_row_count = 0;
  struct IndexedRow {
    Row row;
    std::string json;
  };
  std::unordered_map<std::string, IndexedRow> m_index;  // index column's text -> its row
  std::string m_timestamp;                       // the last complete one ("" before)
  std::chrono::steady_clock::time_point m_last_progress_at{};
  bool m_stale_reported = false;  // the last status event said "stale"
  bool m_ready = false;
  uint64_t m_ready_sequence = 0;  // the sequence of the first snapshot event
  SourceState m_state = SourceState::connecting;
  std::string m_status;
  uint64_t m_reconnects = 0;
  uint64_t m_change_events = 0;
  std::optional<std::chrono::system_clock::time_point> m_last_change_applied;
  SharedText m_snapshot;  // cached; reset by every change and progress
  // The snapshot as events with the ids they were built for (a few, cached for clients
  // that (re)connect together, e.g. every dashboard after a restart); reset with it.
  std::vector<std::pair<std::string, SharedText>> m_snapshot_events;
  // Reconnected, but the missed changes have not arrived yet: still "reconnecting"
  // until the next progress.
  bool m_catching_up = false;

  std::deque<LoggedEvent> m_log;
  size_t m_log_bytes = 0;
  uint64_t m_dropped_through = 0;  // the newest sequence no longer in the log

  std::vector<std::shared_ptr<Audience>> m_audiences;  // those following this view
  // Those following this view's rows of one key (index column value) only.
  std::unordered_map<std::string, std::shared_ptr<Audience>> m_keyed;
};

class ViewHub {
 public:
  // `history_bytes`: the change events each view keeps for clients that reconnect.
  // `progress_every`: how often the sources report progress (poll mode: --interval;
  // Materialize about once a second), told to the pages so they know when data is stale.
  ViewHub(std::string generation, size_t history_bytes,
          std::chrono::milliseconds progress_every = std::chrono::milliseconds(1000));

  // What the pages name as their data's source, e.g. "Materialize, SUBSCRIBE" or
  // "PostgreSQL 15.8, polled every 100 ms"; in every status event as "source".
  void set_source_description(std::string description) { m_source_description = std::move(description); }
  [[nodiscard]] const std::string& source_description() const noexcept { return m_source_description; }

  ViewFeed& add_view(std::string name, std::string index_column = {});
  [[nodiscard]] ViewFeed* find(std::string_view name) noexcept;
  [[nodiscard]] const std::vector<std::unique_ptr<ViewFeed>>& views() const noexcept { return m_views; }
  [[nodiscard]] const std::string& generation() const noexcept { return m_generation; }
  // Every view has its snapshot and its source is connected (GET /healthz).
  // Healthy: every view has its snapshot, its source is live, and none is stale.
  [[nodiscard]] bool healthy(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const noexcept;
  // The pages' own rule (web/shop.js, staleAfterMs): a view is stale when its source has
  // reported no progress for five progress intervals, and at least 5 s. A source whose
  // server hangs (a query that never returns) stays "live" but stops progressing.
  [[nodiscard]] std::chrono::milliseconds stale_after() const noexcept;
  [[nodiscard]] bool stale(const ViewFeed& view, std::chrono::steady_clock::time_point now) const noexcept;
  // Tells each view's clients when it turns stale or live again (a status event with
  // state "stale"); serve.cpp calls it once a second.
  void check_staleness(std::chrono::steady_clock::time_point now);

  // From the sources (posted to the I/O thread).
  void columns(ViewFeed& view, const std::vector<ColumnInfo>& columns) { view.set_columns(columns); }
  void changes(ViewFeed& view, const std::vector<Change>& changes) { view.apply(changes); }
  void progress(ViewFeed& view, const std::string& timestamp) { view.progress(timestamp); }
  void status(ViewFeed& view, const std::string& text) { view.set_status(text); }

  // A client starts following `views` from `resume` (its Last-Event-ID, parsed), view by
  // view: a view the id places where its log still reaches back to gets exactly the
  // events after that place (all such views' events merged in sequence order); any other
  // view with a snapshot gets it (not named, named before its snapshot, past the history
  // or past the newest event); a view without one yet sends it when it comes. Then each
  // view's status and progress. Each id sent is greater than the one before
  // (event_stream.hpp), the resumed one included.
  // With `key` (one view, with an index column): only the rows whose index column has
  // that text, in the snapshot and in the changes (an event with none of them is left
  // out); its ids name the view as "<view>/<key>".
  void subscribe(StreamClient& client, const std::vector<ViewFeed*>& views,
                 const std::optional<StreamPosition>& resume, const std::optional<std::string>& key = std::nullopt);
  void unsubscribe(StreamClient& client);

  [[nodiscard]] uint64_t events_sent() const noexcept { return m_events_sent; }

 private:
  friend class ViewFeed;
  uint64_t next_sequence() noexcept { return ++m_sequence; }
  void deliver(StreamClient& client, const SharedText& event, bool start = false) {
    ++m_events_sent;
    client.send(event, start);
  }
  // The id of an event at `sequence` for the started clients of `audience`.
  [[nodiscard]] std::string audience_id(const Audience& audience, uint64_t sequence) const;
  // Sends `event` (without an id) to every client of `audiences`, with the id of each
  // audience at `sequence`: one text per audience.
  void send_to_audiences(const std::vector<std::shared_ptr<Audience>>& audiences, const std::string& event,
                         uint64_t sequence, bool start);

  std::string m_generation;
  size_t m_history_bytes;
  std::chrono::milliseconds m_progress_every;
  std::string m_source_description;
  uint64_t m_sequence = 0;
  uint64_t m_events_sent = 0;
  std::vector<std::unique_ptr<ViewFeed>> m_views;
  std::vector<std::shared_ptr<Audience>> m_audiences;
  std::unordered_map<StreamClient*, std::shared_ptr<Audience>> m_client_audience;
};

}  // namespace shop::serve
