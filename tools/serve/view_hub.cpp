#include "view_hub.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/postgres.hpp"
#include "core/json_text.hpp"
#include "event_stream.hpp"

namespace shop::serve {

// Clients following the same views (each client belongs to one).
struct Audience {
  std::vector<ViewFeed*> views;  // in --views order, each once
  std::optional<std::string> key;  // one view's rows of this key only
  std::vector<StreamClient*> clients;
};

namespace {

// How ids name a view of `audience`: "<view>", or "<view>/<key>" for one key's rows.
std::string entry_name(const ViewFeed& view, const std::optional<std::string>& key) {
  return key ? view.name() + "/" + *key : view.name();
}

}  // namespace

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

ViewFeed::ViewFeed(ViewHub& hub, size_t position, std::string name, std::string index_column)
    : m_hub(hub), m_position(position), m_name(std::move(name)), m_index_column(std::move(index_column)) {}

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
  m_snapshot_events.clear();
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
    // The event's text is "event: changes\ndata: " and `data` (one line: JSON escapes
    // every line break), so where a change is in `data` is where it is in the text.
    static constexpr std::string_view k_prefix = "event: changes\ndata: ";
    LoggedEvent logged{m_hub.next_sequence(), nullptr, 0, {}};
    data.clear();
    data += "{\"view\": ";
    append_json_string(data, m_name);
    data += ", \"ts\": ";
    append_json_timestamp(data, change.timestamp);
    data += ", \"changes\": [";
    logged.head = k_prefix.size() + data.size();
    for (size_t j = first_of_timestamp; j <= i; ++j) {
      if (j > first_of_timestamp) data += ", ";
      const size_t begin = k_prefix.size() + data.size();
      m_json.append_change(data, changes[j].timestamp, changes[j].diff, changes[j].row);
      if (m_index_position) {
        const auto fields = fields_of(changes[j].row);
        const Field key = *m_index_position < fields.size() ? fields[*m_index_position] : Field();
        if (key) logged.keys.push_back({std::string(*key), begin, k_prefix.size() + data.size()});
      }
    }
    data += "]}";
    first_of_timestamp = i + 1;
    std::string event;
    append_event(event, "changes", "", data);
    logged.text = std::make_shared<const std::string>(std::move(event));
    ++m_change_events;
    send_change_event(logged);
    log(std::move(logged));
  }
}

std::optional<std::string> ViewFeed::filtered(const LoggedEvent& event, std::string_view key) {
  std::optional<std::string> out;
  for (const KeySpan& span : event.keys) {
    if (span.key != key) continue;
    if (out) {
      *out += ", ";
    } else {
      out.emplace(*event.text, 0, event.head);
    }
    out->append(*event.text, span.begin, span.end - span.begin);
  }
  if (out) *out += "]}\n\n";
  return out;
}

void ViewFeed::send_change_event(const LoggedEvent& event) {
  m_hub.send_to_audiences(m_audiences, *event.text, event.sequence, false);
  if (m_keyed.empty()) return;
  // Each key's followers: one event of their rows' changes, if the event has any.
  std::vector<std::string_view> sent;
  for (const KeySpan& span : event.keys) {
    if (std::find(sent.begin(), sent.end(), span.key) != sent.end()) continue;
    sent.push_back(span.key);
    const auto found = m_keyed.find(span.key);
    if (found == m_keyed.end()) continue;
    m_hub.send_to_audiences({found->second}, *filtered(event, span.key), event.sequence, false);
  }
}

void ViewFeed::progress(const std::string& timestamp) {
  if (timestamp != m_timestamp) {
    m_snapshot.reset();
    m_snapshot_events.clear();
  }
  m_timestamp = timestamp;
  m_last_progress_at = std::chrono::steady_clock::now();
  if (!m_ready) {
    // The first complete result: the snapshot every client starts from. It gets a
    // sequence of its own, so a client that holds the view at that one or later has it.
    m_ready = true;
    m_ready_sequence = m_hub.next_sequence();
    auto audiences = m_audiences;  // a client dropping out may end its audience
    for (const auto& [key, audience] : m_keyed) audiences.push_back(audience);
    for (const auto& audience : audiences) {
      const SharedText snapshot = snapshot_event(m_hub.audience_id(*audience, m_ready_sequence), audience->key);
      const std::vector<StreamClient*> clients = audience->clients;
      for (StreamClient* client : clients) m_hub.deliver(*client, snapshot, true);
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
    send_to_clients(status_event());
  }
}

void ViewFeed::log(LoggedEvent event) {
  m_log_bytes += event.text->size();
  m_log.push_back(std::move(event));
  while (m_log_bytes > m_hub.m_history_bytes && !m_log.empty()) {
    m_dropped_through = m_log.front().sequence;
    m_log_bytes -= m_log.front().text->size();
    m_log.pop_front();
  }
}

void ViewFeed::send_to_clients(const SharedText& event) {
  // A client may unsubscribe itself (too slow) while it is being sent to, and end its
  // audience: walk copies.
  auto audiences = m_audiences;
  for (const auto& [key, audience] : m_keyed) audiences.push_back(audience);
  for (const auto& audience : audiences) {
    const std::vector<StreamClient*> clients = audience->clients;
    for (StreamClient* client : clients) m_hub.deliver(*client, event);
  }
}

SharedText ViewFeed::snapshot_event(const std::string& id, const std::optional<std::string>& key) {
  for (const auto& [cached_id, text] : m_snapshot_events) {
    if (cached_id == id) return text;  // the id names the key too
  }
  std::string event;
  if (!key) {
    append_event(event, "snapshot", id, *snapshot_json());
  } else {
    append_event(event, "snapshot", id, build_snapshot_json(&*key));
  }
  auto text = std::make_shared<const std::string>(std::move(event));
  // A few ids at most are current at once (one per audience and per way of resuming).
  constexpr size_t k_cached = 4;
  if (m_snapshot_events.size() == k_cached) m_snapshot_events.erase(m_snapshot_events.begin());
  m_snapshot_events.emplace_back(id, text);
  return text;
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
  const bool stale = m_stale_reported && m_state == SourceState::live;
  data += stale ? "stale" : source_state_name(m_state);
  data += "\", \"progress_every_ms\": ";
  data += std::to_string(m_hub.m_progress_every.count());
  data += ", \"source\": ";
  if (m_hub.m_source_description.empty()) {
    data += "null";
  } else {
    append_json_string(data, m_hub.m_source_description);
  }
  data += ", \"message\": ";
  if (stale) {
    append_json_string(data, fmt::format("no progress from the source for over {} s",
                                         std::chrono::duration_cast<std::chrono::seconds>(m_hub.stale_after()).count()));
  } else if (m_status.empty()) {
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
  if (!m_snapshot) m_snapshot = std::make_shared<const std::string>(build_snapshot_json(nullptr));
  return m_snapshot;
}

std::string ViewFeed::build_snapshot_json(const std::string* key) const {
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
    if (key != nullptr) {
      const auto fields = fields_of(row);
      if (!m_index_position || *m_index_position >= fields.size() || fields[*m_index_position] != *key) return;
    }
    for (int64_t copy = 0; copy < count; ++copy) {
      if (!first) json += ", ";
      first = false;
      m_json.append_row(json, row);
    }
  });
  json += "]}";
  return json;
}

const std::string* ViewFeed::indexed_row_json(std::string_view key) const {
  const auto found = m_index.find(std::string(key));
  return found == m_index.end() ? nullptr : &found->second.json;
}

ViewHub::ViewHub(std::string generation, size_t history_bytes, std::chrono::milliseconds progress_every)
    : m_generation(std::move(generation)), m_history_bytes(history_bytes), m_progress_every(progress_every) {}

ViewFeed& ViewHub::add_view(std::string name, std::string index_column) {
  m_views.push_back(std::make_unique<ViewFeed>(*this, m_views.size(), std::move(name), std::move(index_column)));
  return *m_views.back();
}

ViewFeed* ViewHub::find(std::string_view name) noexcept {
  for (const auto& view : m_views) {
    if (view->name() == name) return view.get();
  }
  return nullptr;
}

bool ViewHub::healthy(std::chrono::steady_clock::time_point now) const noexcept {
  return std::all_of(m_views.begin(), m_views.end(), [&](const auto& view) {
    return view->ready() && view->state() == SourceState::live && !stale(*view, now);
  });
}

std::chrono::milliseconds ViewHub::stale_after() const noexcept {
  return std::max(std::chrono::milliseconds(5000), 5 * m_progress_every);
}

bool ViewHub::stale(const ViewFeed& view, std::chrono::steady_clock::time_point now) const noexcept {
  return view.ready() && now - view.last_progress_at() > stale_after();
}

void ViewHub::check_staleness(std::chrono::steady_clock::time_point now) {
  for (const auto& view : m_views) view->report_stale(view->state() == SourceState::live && stale(*view, now));
}

void ViewFeed::report_stale(bool stale) {
  if (stale == m_stale_reported) return;
  m_stale_reported = stale;
  send_to_clients(status_event());
}

std::string ViewHub::audience_id(const Audience& audience, uint64_t sequence) const {
  std::vector<ViewPosition> positions;
  positions.reserve(audience.views.size());
  for (const ViewFeed* view : audience.views) positions.push_back({entry_name(*view, audience.key), sequence});
  return format_event_id(m_generation, positions);
}

void ViewHub::send_to_audiences(const std::vector<std::shared_ptr<Audience>>& audiences, const std::string& event,
                                uint64_t sequence, bool start) {
  // Copies: a client dropping out (too slow) during a call may end its audience.
  const auto walked = audiences;
  for (const auto& audience : walked) {
    const auto text = std::make_shared<const std::string>(event_with_id(audience_id(*audience, sequence), event));
    const std::vector<StreamClient*> clients = audience->clients;
    for (StreamClient* client : clients) deliver(*client, text, start);
  }
}

void ViewHub::subscribe(StreamClient& client, const std::vector<ViewFeed*>& requested,
                        const std::optional<StreamPosition>& resume, const std::optional<std::string>& key) {
  // The client's audience: the same views, each once, in --views order (and the same key).
  std::vector<ViewFeed*> views = requested;
  std::sort(views.begin(), views.end(),
            [](const ViewFeed* a, const ViewFeed* b) { return a->m_position < b->m_position; });
  views.erase(std::unique(views.begin(), views.end()), views.end());
  if (key && views.size() != 1) return;  // the router asks for one view only
  std::shared_ptr<Audience> audience;
  if (key) {
    const auto found = views.front()->m_keyed.find(*key);
    if (found != views.front()->m_keyed.end()) audience = found->second;
  } else {
    for (const auto& candidate : m_audiences) {
      if (!candidate->key && candidate->views == views) audience = candidate;
    }
  }
  if (!audience) {
    audience = std::make_shared<Audience>();
    audience->views = views;
    audience->key = key;
    m_audiences.push_back(audience);
    if (key) {
      views.front()->m_keyed.emplace(*key, audience);
    } else {
      for (ViewFeed* view : views) view->m_audiences.push_back(audience);
    }
  }

  // Where the client is in each view: what its id says, where the server can honour it.
  enum class Start { replay, snapshot, wait };
  struct Place {
    ViewFeed* view;
    Start start;
    std::optional<uint64_t> sequence;  // where its ids put it; none: it holds nothing of it
  };
  const uint64_t now = m_sequence;
  std::vector<Place> places;
  std::vector<const ViewFeed::LoggedEvent*> replay;
  for (ViewFeed* view : views) {
    std::optional<uint64_t> sequence;
    // (The former single-view form never named one key's rows.)
    if (resume) sequence = resume->of(entry_name(*view, key), key ? 0 : views.size());
    if (sequence && *sequence > now) sequence.reset();  // not a sequence this process gave yet
    if (!view->m_ready) {
      // Nothing to hold yet: its first snapshot, when it comes, takes a later sequence.
      places.push_back({view, Start::wait, now});
    } else if (sequence && view->can_resume_after(*sequence)) {
      places.push_back({view, Start::replay, sequence});
      for (const auto& event : view->m_log) {
        if (event.sequence > *sequence) replay.push_back(&event);
      }
    } else {
      places.push_back({view, Start::snapshot, sequence});
    }
  }
  const auto id = [&] {
    std::vector<ViewPosition> positions;
    for (const Place& place : places) {
      if (place.sequence) positions.push_back({entry_name(*place.view, key), *place.sequence});
    }
    return format_event_id(m_generation, positions);
  };

  // A follower first, then sent to: a client that drops out during a call unsubscribes
  // itself from lists that are complete (the caller keeps it alive meanwhile).
  audience->clients.push_back(&client);
  m_client_audience[&client] = audience;
  // The missed events, merged in sequence order: after one at sequence s the client holds
  // every resuming view up to s (its events before s came before).
  std::sort(replay.begin(), replay.end(), [](const auto* a, const auto* b) { return a->sequence < b->sequence; });
  for (const auto* event : replay) {
    for (Place& place : places) {
      if (place.start == Start::replay) place.sequence = std::max(*place.sequence, event->sequence);
    }
    if (key) {
      const auto text = ViewFeed::filtered(*event, *key);
      if (text) deliver(client, std::make_shared<const std::string>(event_with_id(id(), *text)), true);
    } else {
      deliver(client, std::make_shared<const std::string>(event_with_id(id(), *event->text)), true);
    }
  }
  for (Place& place : places) {
    if (place.start == Start::replay) place.sequence = now;  // no event of the view since
  }
  // Each snapshot is the view as of `now`: it joins the id at `now`.
  for (Place& place : places) {
    if (place.start != Start::snapshot) continue;
    place.sequence = now;
    deliver(client, place.view->snapshot_event(id(), key), true);
  }
  for (ViewFeed* view : views) {
    deliver(client, view->status_event(), true);
    if (view->m_ready) deliver(client, view->progress_event(), true);
  }
}

void ViewHub::unsubscribe(StreamClient& client) {
  const auto found = m_client_audience.find(&client);
  if (found == m_client_audience.end()) return;
  const std::shared_ptr<Audience> audience = found->second;
  m_client_audience.erase(found);
  std::erase(audience->clients, &client);
  if (!audience->clients.empty()) return;
  // The last one: the views stop sending to it (a walk in progress holds its own copy).
  for (ViewFeed* view : audience->views) {
    if (audience->key) {
      view->m_keyed.erase(*audience->key);
    } else {
      std::erase(view->m_audiences, audience);
    }
  }
  std::erase(m_audiences, audience);
}

}  // namespace shop::serve
