#include "view_hub.hpp"

#include <algorithm>
#include <utility>

#include "core/postgres.hpp"
#include "core/summary.hpp"
#include "event_stream.hpp"

namespace shop::serve {

const char* source_state_name(SourceState state) noexcept {
  switch (state) {
    case SourceState::connecting:
      return "connecting";
    case SourceState::live:
      return "live";
    case SourceState::reconnecting:
      return "reconnecting";
  }
  return "unknown";
}

ViewFeed::ViewFeed(ViewHub& hub, std::string name, std::string index_column)
    : m_hub(hub), m_name(std::move(name)), m_index_column(std::move(index_column)) {}

void ViewFeed::set_columns(const std::vector<ColumnInfo>& columns) {
  // Again after every reconnect: the source has already checked that they are the same.
  m_columns = columns;
  m_json.set_columns(columns);
  m_index_position.reset();
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!m_index_column.empty() && columns[i].name == m_index_column) m_index_position = i;
  }
}

void ViewFeed::apply(const std::vector<Change>& changes) {
  if (changes.empty()) return;
  m_snapshot.reset();
  m_snapshot_event.reset();
  m_last_change_applied = std::chrono::system_clock::now();
  // The source gives changes grouped by timestamp, in order: one event per timestamp.
  std::string data;
  size_t first_of_timestamp = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& change = changes[i];
    const int64_t count = m_rows.add(change.row, change.diff);
    m_row_count = static_cast<uint64_t>(static_cast<int64_t>(m_row_count) + change.diff);
    if (m_index_position) {
      const auto fields = fields_of(change.row);
      const Field key = *m_index_position < fields.size() ? fields[*m_index_position] : Field();
      if (key) {
        // Removals come before additions within a timestamp, so an update removes the
        // old row and then sets the new one.
        if (change.diff > 0) {
          IndexedRow& indexed = m_index[std::string(*key)];
          indexed.row = change.row;
          indexed.json.clear();
          m_json.append_row(indexed.json, change.row);
        } else if (count == 0) {
          const auto found = m_index.find(std::string(*key));
          if (found != m_index.end() && found->second.row == change.row) m_index.erase(found);
        }
      }
    }
    const bool last_of_timestamp = i + 1 == changes.size() || changes[i + 1].timestamp != change.timestamp;
    if (!m_ready || !last_of_timestamp) continue;  // changes before the first snapshot are part of it
    data.clear();
    data += "{\"view\": ";
    append_json_string(data, m_name);
    data += ", \"ts\": ";
    append_json_timestamp(data, change.timestamp);
    data += ", \"changes\": [";
    for (size_t j = first_of_timestamp; j <= i; ++j) {
      if (j > first_of_timestamp) data += ", ";
      m_json.append_change(data, changes[j].timestamp, changes[j].diff, changes[j].row);
    }
    data += "]}";
    first_of_timestamp = i + 1;
    const uint64_t sequence = m_hub.next_sequence();
    std::string event;
    append_event(event, "changes", m_hub.event_id(sequence), data);
    auto text = std::make_shared<const std::string>(std::move(event));
    log(sequence, text);
    ++m_change_events;
    send_to_clients(text);
  }
}

void ViewFeed::progress(const std::string& timestamp) {
  if (timestamp != m_timestamp) {
    m_snapshot.reset();
    m_snapshot_event.reset();
  }
  m_timestamp = timestamp;
  if (!m_ready) {
    // The first complete result: the snapshot every client starts from. It gets a
    // sequence of its own, so a client whose Last-Event-ID is at least that one has seen it.
    m_ready = true;
    m_ready_sequence = m_hub.next_sequence();
    const SharedText snapshot = m_hub.snapshot_event(*this, m_ready_sequence);
    // Each client joins the followers before it is sent to: one that drops out during
    // the call (too slow) then leaves the followers, not a list being walked.
    for (StreamClient* client : std::exchange(m_waiting, {})) {
      m_clients.push_back(client);
      m_hub.deliver(*client, snapshot, true);
    }
  }
  // Connected (again) and, after a reconnect, caught up: the result is current.
  if (m_state != SourceState::live && (m_state == SourceState::connecting || m_catching_up)) {
    m_state = SourceState::live;
    m_status.clear();
    m_catching_up = false;
    send_to_clients(status_event());
  }
  send_to_clients(progress_event());
}

void ViewFeed::set_status(const std::string& text) {
  if (text.empty()) {
    // Connected: before the first result still "connecting"; after a reconnect still
    // "reconnecting" until the changes it missed have come (the next progress).
    if (m_state == SourceState::reconnecting) {
      m_catching_up = true;
      if (m_status != "catching up") {
        m_status = "catching up";
        send_to_clients(status_event());
        send_to_waiting(status_event());
      }
    }
    return;
  }
  if (m_state != SourceState::reconnecting) ++m_reconnects;
  const bool changed = m_state != SourceState::reconnecting || text != m_status;
  m_state = SourceState::reconnecting;
  m_status = text;
  m_catching_up = false;
  if (changed) {
    const SharedText event = status_event();
    send_to_clients(event);
    send_to_waiting(event);
  }
}

void ViewFeed::send_to_waiting(const SharedText& event) {
  const std::vector<StreamClient*> clients = m_waiting;
  for (StreamClient* client : clients) m_hub.deliver(*client, event);
}

void ViewFeed::log(uint64_t sequence, const SharedText& text) {
  m_log.push_back({sequence, text});
  m_log_bytes += text->size();
  while (m_log_bytes > m_hub.m_history_bytes && !m_log.empty()) {
    m_dropped_through = m_log.front().sequence;
    m_log_bytes -= m_log.front().text->size();
    m_log.pop_front();
  }
}

void ViewFeed::send_to_clients(const SharedText& event) {
  // A client may unsubscribe itself (too slow) while it is being sent to: walk a copy.
  const std::vector<StreamClient*> clients = m_clients;
  for (StreamClient* client : clients) m_hub.deliver(*client, event);
}

SharedText ViewFeed::progress_event() const {
  std::string data = "{\"view\": ";
  append_json_string(data, m_name);
  data += ", \"ts\": ";
  append_json_timestamp(data, m_timestamp);
  data += '}';
  std::string event;
  append_event(event, "progress", "", data);
  return std::make_shared<const std::string>(std::move(event));
}

SharedText ViewFeed::status_event() const {
  std::string data = "{\"view\": ";
  append_json_string(data, m_name);
  data += ", \"state\": \"";
  data += source_state_name(m_state);
  data += "\", \"progress_every_ms\": ";
  data += std::to_string(m_hub.m_progress_every.count());
  data += ", \"message\": ";
  if (m_status.empty()) {
    data += "null";
  } else {
    append_json_string(data, m_status);
  }
  data += '}';
  std::string event;
  append_event(event, "status", "", data);
  return std::make_shared<const std::string>(std::move(event));
}

const SharedText& ViewFeed::snapshot_json() {
  if (m_snapshot) return m_snapshot;
  std::string json = "{\"view\": ";
  append_json_string(json, m_name);
  json += ", \"ts\": ";
  if (m_timestamp.empty()) {
    json += "null";
  } else {
    append_json_timestamp(json, m_timestamp);
  }
  json += ", \"columns\": [";
  for (size_t i = 0; i < m_columns.size(); ++i) {
    if (i > 0) json += ", ";
    append_json_string(json, m_columns[i].name);
  }
  json += "], \"rows\": [";
  bool first = true;
  m_rows.for_each([&](std::string_view row, int64_t count) {
    for (int64_t copy = 0; copy < count; ++copy) {
      if (!first) json += ", ";
      first = false;
      m_json.append_row(json, row);
    }
  });
  json += "]}";
  m_snapshot = std::make_shared<const std::string>(std::move(json));
  return m_snapshot;
}

const std::string* ViewFeed::indexed_row_json(std::string_view key) const {
  const auto found = m_index.find(std::string(key));
  return found == m_index.end() ? nullptr : &found->second.json;
}

ViewHub::ViewHub(std::string generation, size_t history_bytes, std::chrono::milliseconds progress_every)
    : m_generation(std::move(generation)), m_history_bytes(history_bytes), m_progress_every(progress_every) {}

ViewFeed& ViewHub::add_view(std::string name, std::string index_column) {
  m_views.push_back(std::make_unique<ViewFeed>(*this, std::move(name), std::move(index_column)));
  return *m_views.back();
}

ViewFeed* ViewHub::find(std::string_view name) noexcept {
  for (const auto& view : m_views) {
    if (view->name() == name) return view.get();
  }
  return nullptr;
}

bool ViewHub::healthy() const noexcept {
  return std::all_of(m_views.begin(), m_views.end(),
                     [](const auto& view) { return view->ready() && view->state() == SourceState::live; });
}

std::string ViewHub::event_id(uint64_t sequence) const { return format_event_id(m_generation, sequence); }

SharedText ViewHub::snapshot_event(ViewFeed& view, uint64_t sequence) {
  if (view.m_snapshot_event && view.m_snapshot_event_sequence == sequence) return view.m_snapshot_event;
  std::string event;
  append_event(event, "snapshot", event_id(sequence), *view.snapshot_json());
  view.m_snapshot_event = std::make_shared<const std::string>(std::move(event));
  view.m_snapshot_event_sequence = sequence;
  return view.m_snapshot_event;
}

void ViewHub::subscribe(StreamClient& client, const std::vector<ViewFeed*>& views,
                        std::optional<uint64_t> last_sequence) {
  // Events to replay, from every view that can go on from the client's last id, sent in
  // sequence order: the browser's Last-Event-ID is the last id it got, so ids must rise.
  if (last_sequence && *last_sequence > m_sequence) last_sequence.reset();  // not an id this process gave
  std::vector<const ViewFeed::LoggedEvent*> replay;
  std::vector<ViewFeed*> need_snapshot;
  for (ViewFeed* view : views) {
    if (!view->m_ready) continue;
    if (last_sequence && view->can_resume_after(*last_sequence)) {
      for (const auto& event : view->m_log) {
        if (event.sequence > *last_sequence) replay.push_back(&event);
      }
    } else {
      need_snapshot.push_back(view);
    }
  }
  std::sort(replay.begin(), replay.end(), [](const auto* a, const auto* b) { return a->sequence < b->sequence; });
  // Followers first, then sent to: a client that drops out during a call unsubscribes
  // itself from lists that are complete (the caller keeps it alive meanwhile).
  for (ViewFeed* view : views) (view->m_ready ? view->m_clients : view->m_waiting).push_back(&client);
  for (const auto* event : replay) deliver(client, event->text, true);
  // A snapshot is the state after every event so far: it takes the newest id.
  for (ViewFeed* view : need_snapshot) deliver(client, snapshot_event(*view, m_sequence), true);
  for (ViewFeed* view : views) {
    deliver(client, view->status_event(), true);
    if (view->m_ready) deliver(client, view->progress_event(), true);
  }
}

void ViewHub::unsubscribe(StreamClient& client) {
  for (const auto& view : m_views) {
    std::erase(view->m_clients, &client);
    std::erase(view->m_waiting, &client);
  }
}

}  // namespace shop::serve
