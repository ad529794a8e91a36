#include "view_hub.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/row.hpp"
#include "event_stream.hpp"

namespace shop::serve {
namespace {

// A stream client that keeps what it gets: "TYPE ID DATA" per event. With a limit, it
// disconnects (unsubscribes, as a session does when its socket closes) after that many
// events with an id, and takes nothing more.
class Recorder final : public StreamClient {
 public:
  Recorder() = default;
  Recorder(ViewHub& hub, size_t limit) : m_hub(&hub), m_limit(limit) {}

  void send(const SharedText& event, bool /*start*/) override {
    if (m_cut) return;
    std::string type, id, data;
    size_t start = 0;
    while (start < event->size()) {
      const size_t end = event->find('\n', start);
      const std::string line = event->substr(start, end - start);
      if (line.rfind("event: ", 0) == 0) type = line.substr(7);
      if (line.rfind("id: ", 0) == 0) id = line.substr(4);
      if (line.rfind("data: ", 0) == 0) data = line.substr(6);
      start = end + 1;
    }
    events.push_back(type + " " + (id.empty() ? "-" : id) + " " + data);
    parsed.push_back({type, id, data});
    if (!id.empty()) {
      ids.push_back(id);
      if (m_hub != nullptr && ids.size() == m_limit) {
        m_cut = true;
        m_hub->unsubscribe(*this);
      }
    }
  }
  // Only the snapshot and changes events (status and progress left out).
  [[nodiscard]] std::vector<std::string> data_events() const {
    std::vector<std::string> out;
    for (const auto& event : events) {
      if (event.rfind("snapshot", 0) == 0 || event.rfind("changes", 0) == 0) out.push_back(event);
    }
    return out;
  }
  // "snapshot VIEW" / "changes VIEW" for each such event.
  [[nodiscard]] std::vector<std::string> kinds() const;
  // The Last-Event-ID a browser sends after these events: the last id ("" for none).
  [[nodiscard]] std::string last_id() const { return ids.empty() ? std::string() : ids.back(); }

  struct Event {
    std::string type, id, data;
  };
  std::vector<std::string> events;
  std::vector<Event> parsed;
  std::vector<std::string> ids;

 private:
  ViewHub* m_hub = nullptr;
  size_t m_limit = 0;
  bool m_cut = false;
};

// The JSON objects of the array after `key` in `json` (rows and changes hold no nested
// arrays, and the test's strings no braces).
std::vector<std::string> objects_after(std::string_view json, std::string_view key) {
  std::vector<std::string> out;
  size_t at = json.find(key);
  if (at == std::string_view::npos) return out;
  at = json.find('[', at);
  int depth = 0;
  size_t begin = 0;
  for (size_t i = at + 1; i < json.size(); ++i) {
    if (json[i] == '{' && depth++ == 0) begin = i;
    if (json[i] == '}' && --depth == 0) out.emplace_back(json.substr(begin, i + 1 - begin));
    if (json[i] == ']' && depth == 0) break;
  }
  return out;
}

std::string view_of(std::string_view data) {
  const size_t begin = data.find("\"view\": \"") + 9;
  return std::string(data.substr(begin, data.find('"', begin) - begin));
}

std::vector<std::string> Recorder::kinds() const {
  std::vector<std::string> out;
  for (const auto& event : parsed) {
    if (event.type == "snapshot" || event.type == "changes") out.push_back(event.type + " " + view_of(event.data));
  }
  return out;
}

// What a client rebuilds from what it got, per view: each row (as JSON) and how often it
// is there. A snapshot replaces its view's rows; a change adds its diff.
using ViewRows = std::map<std::string, std::map<std::string, int64_t>>;
void rebuild(ViewRows& state, const Recorder& client) {
  for (const auto& event : client.parsed) {
    const std::string view = view_of(event.data);
    if (event.type == "snapshot") {
      state[view].clear();
      for (const auto& row : objects_after(event.data, "\"rows\": ")) ++state[view][row];
    } else if (event.type == "changes") {
      for (const auto& change : objects_after(event.data, "\"changes\": ")) {
        const size_t diff_at = change.find("\"diff\": ") + 8;
        const int64_t diff = std::stoll(change.substr(diff_at));
        const size_t row_at = change.find("\"row\": ") + 7;
        const std::string row = change.substr(row_at, change.size() - 1 - row_at);
        if ((state[view][row] += diff) == 0) state[view].erase(row);
      }
    }
  }
}
// The rows the views hold now (their snapshot), the same way.
ViewRows truth(const std::vector<ViewFeed*>& views) {
  ViewRows state;
  for (ViewFeed* view : views) {
    auto& rows = state[view->name()];
    for (const auto& row : objects_after(*view->snapshot_json(), "\"rows\": ")) ++rows[row];
  }
  return state;
}

// An id as a map view -> sequence ("" for an id that names no view), to compare two.
std::map<std::string, uint64_t> positions(const std::string& id) {
  std::map<std::string, uint64_t> out;
  const std::string list = id.substr(id.find('-') + 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string entry = list.substr(start, comma - start);
    const size_t colon = entry.rfind(':');
    out[colon == std::string::npos ? "" : entry.substr(0, colon)] =
        std::stoull(colon == std::string::npos ? entry : entry.substr(colon + 1));
    start = comma + 1;
  }
  return out;
}
// `next` comes after `previous` (event_stream.hpp): no view goes down or leaves, one
// goes up or joins.
bool rises(const std::string& previous, const std::string& next) {
  const auto before = positions(previous), after = positions(next);
  bool up = false;
  for (const auto& [view, sequence] : before) {
    const auto found = after.find(view);
    if (found == after.end() || found->second < sequence) return false;
    up = up || found->second > sequence;
  }
  return up || after.size() > before.size();
}
// Every id in `ids` comes after the one before; "" when so, else the first that does not.
std::string first_not_rising(const std::vector<std::string>& ids) {
  for (size_t i = 1; i < ids.size(); ++i) {
    if (!rises(ids[i - 1], ids[i])) return ids[i - 1] + " then " + ids[i];
  }
  return "";
}

// A client's Last-Event-ID as the router reads it.
auto resume(const std::string& id) { return parse_event_id(id, "g"); }

Row row(int64_t id, const char* name) { return make_row({std::to_string(id), name}); }
const std::vector<ColumnInfo> k_columns = {{"item_id", ColumnKind::number}, {"name", ColumnKind::text}};

class ViewHubTest : public ::testing::Test {
 protected:
  ViewHub hub{"g", 1 << 20};
  ViewFeed& view = hub.add_view("inventory_status", "item_id");

  void start(std::vector<Change> initial) {
    hub.columns(view, k_columns);
    hub.changes(view, initial);
    hub.progress(view, "100");
  }
};

// A source that stays "live" but stops progressing (its server hung) makes the hub
// unhealthy by the pages' own rule: no progress for five intervals, at least 5 s.
TEST_F(ViewHubTest, AViewWithoutProgressPastThePagesRuleIsStaleAndUnhealthy) {
  start({{"100", 1, row(1, "a")}});
  const auto at = view.last_progress_at();
  EXPECT_EQ(hub.stale_after(), std::chrono::milliseconds(5000));  // 5 x 1 s, at least 5 s
  EXPECT_TRUE(hub.healthy(at + std::chrono::milliseconds(4900)));
  EXPECT_FALSE(hub.stale(view, at + std::chrono::milliseconds(4900)));
  EXPECT_TRUE(hub.stale(view, at + std::chrono::milliseconds(5100)));
  EXPECT_FALSE(hub.healthy(at + std::chrono::milliseconds(5100)));
  hub.progress(view, "101");  // progress again: healthy again
  EXPECT_TRUE(hub.healthy(view.last_progress_at() + std::chrono::milliseconds(100)));
}

TEST_F(ViewHubTest, TheFirstResultIsTheSnapshotNotChanges) {
  Recorder early;
  hub.subscribe(early, {&view}, std::nullopt);  // before anything is there: waits
  EXPECT_FALSE(hub.healthy());
  start({{"100", 1, row(1, "a")}, {"100", 1, row(2, "b")}});
  EXPECT_TRUE(hub.healthy());
  EXPECT_EQ(early.data_events(), std::vector<std::string>{
      R"(snapshot g-inventory_status:1 {"view": "inventory_status", "ts": 100, "columns": ["item_id", "name"], "rows": [{"item_id": 1, "name": "a"}, {"item_id": 2, "name": "b"}]})"});
  EXPECT_EQ(view.change_events(), 0U);
}

TEST_F(ViewHubTest, OneChangesEventPerTimestampToEveryClient) {
  start({{"100", 1, row(1, "a")}});
  Recorder first, second;
  hub.subscribe(first, {&view}, std::nullopt);
  hub.subscribe(second, {&view}, std::nullopt);
  hub.changes(view, {{"101", -1, row(1, "a")}, {"101", 1, row(1, "A")}, {"102", 1, row(3, "c")}});
  const std::vector<std::string> expected = {
      R"(snapshot g-inventory_status:1 {"view": "inventory_status", "ts": 100, "columns": ["item_id", "name"], "rows": [{"item_id": 1, "name": "a"}]})",
      R"(changes g-inventory_status:2 {"view": "inventory_status", "ts": 101, "changes": [{"ts": 101, "diff": -1, "row": {"item_id": 1, "name": "a"}}, {"ts": 101, "diff": 1, "row": {"item_id": 1, "name": "A"}}]})",
      R"(changes g-inventory_status:3 {"view": "inventory_status", "ts": 102, "changes": [{"ts": 102, "diff": 1, "row": {"item_id": 3, "name": "c"}}]})"};
  EXPECT_EQ(first.data_events(), expected);
  EXPECT_EQ(second.data_events(), expected);
  EXPECT_EQ(view.row_count(), 2U);
}

TEST_F(ViewHubTest, ResumingGetsExactlyTheEventsAfterTheLastId) {
  start({{"100", 1, row(1, "a")}});
  hub.changes(view, {{"101", 1, row(2, "b")}});  // 2
  hub.changes(view, {{"102", 1, row(3, "c")}});  // 3
  hub.changes(view, {{"103", -1, row(2, "b")}});  // 4
  Recorder resumed;
  hub.subscribe(resumed, {&view}, resume("g-inventory_status:2"));
  EXPECT_EQ(resumed.ids, (std::vector<std::string>{"g-inventory_status:3", "g-inventory_status:4"}));
  EXPECT_EQ(resumed.kinds(), (std::vector<std::string>{"changes inventory_status", "changes inventory_status"}));
  Recorder current;
  hub.subscribe(current, {&view}, resume("g-inventory_status:4"));  // has everything: nothing to replay
  EXPECT_TRUE(current.data_events().empty());
}

TEST_F(ViewHubTest, AnIdBeforeTheSnapshotOrPastTheHistoryGetsASnapshot) {
  ViewHub small("g", 300);  // room for about one event
  ViewFeed& feed = small.add_view("v");
  ViewFeed& other = small.add_view("w");
  small.columns(other, k_columns);
  small.progress(other, "1");  // 1: w's snapshot
  small.columns(feed, k_columns);
  small.progress(feed, "1");  // 2: v's snapshot
  Recorder before_snapshot;
  small.subscribe(before_snapshot, {&feed}, resume("g-v:1"));  // never saw v's snapshot
  ASSERT_EQ(before_snapshot.data_events().size(), 1U);
  EXPECT_EQ(before_snapshot.data_events()[0].substr(0, 13), "snapshot g-v:");
  EXPECT_EQ(before_snapshot.ids, std::vector<std::string>{"g-v:2"});
  for (int i = 0; i < 5; ++i) small.changes(feed, {{std::to_string(2 + i), 1, row(i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")}});
  Recorder too_old;
  small.subscribe(too_old, {&feed}, resume("g-v:3"));  // 4.. were dropped from the log
  EXPECT_EQ(too_old.kinds(), std::vector<std::string>{"snapshot v"});
  EXPECT_EQ(too_old.ids, std::vector<std::string>{"g-v:7"});
  Recorder future;
  small.subscribe(future, {&feed}, resume("g-v:99"));  // not a sequence this process gave
  EXPECT_EQ(future.kinds(), std::vector<std::string>{"snapshot v"});
  EXPECT_EQ(future.ids, std::vector<std::string>{"g-v:7"});
}

TEST_F(ViewHubTest, SeveralViewsReplayInSequenceOrder) {
  ViewFeed& other = hub.add_view("other");
  start({});                      // 1
  hub.columns(other, k_columns);
  hub.progress(other, "100");     // 2
  hub.changes(view, {{"101", 1, row(1, "a")}});   // 3
  hub.changes(other, {{"101", 1, row(9, "z")}});  // 4
  hub.changes(view, {{"102", 1, row(2, "b")}});   // 5
  Recorder resumed;
  hub.subscribe(resumed, {&other, &view}, resume("g-inventory_status:2,other:2"));
  EXPECT_EQ(resumed.kinds(), (std::vector<std::string>{"changes inventory_status", "changes other",
                                                       "changes inventory_status"}));
  // Listed in --views order, whatever the order asked for.
  EXPECT_EQ(resumed.ids, (std::vector<std::string>{"g-inventory_status:3,other:3", "g-inventory_status:4,other:4",
                                                   "g-inventory_status:5,other:5"}));
}

TEST_F(ViewHubTest, AnItemsStreamCarriesOnlyThatItemsRows) {
  Recorder item;
  hub.subscribe(item, {&view}, std::nullopt, std::string("2"));  // before the first snapshot
  start({{"100", 1, row(1, "a")}, {"100", 1, row(2, "b")}});      // 1
  Recorder all;
  hub.subscribe(all, {&view}, std::nullopt);
  hub.changes(view, {{"101", -1, row(1, "a")}, {"101", 1, row(1, "A")}});                            // 2
  hub.changes(view, {{"102", -1, row(2, "b")}, {"102", 1, row(2, "B")}, {"102", 1, row(3, "c")}});  // 3
  EXPECT_EQ(item.data_events(), (std::vector<std::string>{
      R"(snapshot g-inventory_status/2:1 {"view": "inventory_status", "ts": 100, "columns": ["item_id", "name"], "rows": [{"item_id": 2, "name": "b"}]})",
      R"(changes g-inventory_status/2:3 {"view": "inventory_status", "ts": 102, "changes": [{"ts": 102, "diff": -1, "row": {"item_id": 2, "name": "b"}}, {"ts": 102, "diff": 1, "row": {"item_id": 2, "name": "B"}}]})"}));
  EXPECT_EQ(all.data_events().size(), 3U);
  // Resumed: the item's missed changes only.
  hub.unsubscribe(item);
  hub.changes(view, {{"103", 1, row(4, "d")}});   // 4
  hub.changes(view, {{"104", -1, row(2, "B")}});  // 5
  hub.changes(view, {{"105", 1, row(5, "e")}});   // 6
  Recorder resumed;
  hub.subscribe(resumed, {&view}, resume(item.last_id()), std::string("2"));
  EXPECT_EQ(resumed.ids, std::vector<std::string>{"g-inventory_status/2:5"});
  EXPECT_EQ(resumed.kinds(), std::vector<std::string>{"changes inventory_status"});
  hub.changes(view, {{"106", 1, row(2, "again")}});  // 7
  EXPECT_EQ(resumed.ids, (std::vector<std::string>{"g-inventory_status/2:5", "g-inventory_status/2:7"}));
  // An item's id is not the whole view's, nor another item's: they start from a snapshot.
  Recorder whole, other;
  hub.subscribe(whole, {&view}, resume(item.last_id()));
  EXPECT_EQ(whole.kinds(), std::vector<std::string>{"snapshot inventory_status"});
  hub.subscribe(other, {&view}, resume(item.last_id()), std::string("1"));
  EXPECT_EQ(other.data_events(), std::vector<std::string>{
      R"(snapshot g-inventory_status/1:7 {"view": "inventory_status", "ts": 100, "columns": ["item_id", "name"], "rows": [{"item_id": 1, "name": "A"}]})"});
  Recorder none;  // an item with no row: an empty snapshot, its row when it comes
  hub.subscribe(none, {&view}, std::nullopt, std::string("9"));
  hub.changes(view, {{"107", 1, row(9, "new")}});  // 8
  EXPECT_EQ(none.kinds(), (std::vector<std::string>{"snapshot inventory_status", "changes inventory_status"}));
  EXPECT_EQ(none.ids, (std::vector<std::string>{"g-inventory_status/9:7", "g-inventory_status/9:8"}));
}

TEST_F(ViewHubTest, TheItemIndexFollowsUpdatesAndDeletes) {
  start({{"100", 1, row(1, "a")}, {"100", 1, row(2, "b")}});
  ASSERT_NE(view.indexed_row_json("1"), nullptr);
  EXPECT_EQ(*view.indexed_row_json("1"), R"({"item_id": 1, "name": "a"})");
  hub.changes(view, {{"101", -1, row(1, "a")}, {"101", 1, row(1, "A")}});
  ASSERT_NE(view.indexed_row_json("1"), nullptr);
  EXPECT_EQ(*view.indexed_row_json("1"), R"({"item_id": 1, "name": "A"})");
  hub.changes(view, {{"102", -1, row(2, "b")}});
  EXPECT_EQ(view.indexed_row_json("2"), nullptr);
  EXPECT_EQ(view.indexed_row_json("3"), nullptr);
}

TEST_F(ViewHubTest, ReconnectingLastsUntilTheMissedChangesHaveCome) {
  start({});
  Recorder client;
  hub.subscribe(client, {&view}, std::nullopt);
  hub.status(view, "reconnecting (server closed the connection)");
  EXPECT_FALSE(hub.healthy());
  EXPECT_EQ(view.state(), SourceState::reconnecting);
  EXPECT_EQ(client.events.back(),
            R"json(status - {"view": "inventory_status", "state": "reconnecting", "progress_every_ms": 1000, "source": null, "message": "reconnecting (server closed the connection)"})json");
  hub.status(view, "");  // connected again, but the changes it missed are still to come
  EXPECT_FALSE(hub.healthy());
  EXPECT_EQ(view.state(), SourceState::reconnecting);
  hub.changes(view, {{"105", 1, row(7, "missed")}});
  hub.progress(view, "106");
  EXPECT_TRUE(hub.healthy());
  EXPECT_EQ(view.state(), SourceState::live);
  EXPECT_EQ(view.reconnects(), 1U);
}

TEST_F(ViewHubTest, ClientsWaitingForTheFirstSnapshotHearTheStatusToo) {
  Recorder early;
  hub.subscribe(early, {&view}, std::nullopt);
  hub.columns(view, k_columns);
  hub.status(view, "reconnecting (no route to host)");
  EXPECT_EQ(early.events.back().substr(0, 50), R"(status - {"view": "inventory_status", "state": "re)");
}

// A client that drops out while it is being sent to (too slow), as EventStreamSession does.
class Dropper final : public StreamClient {
 public:
  explicit Dropper(ViewHub& hub) : m_hub(hub) {}
  void send(const SharedText& /*event*/, bool /*start*/) override {
    ++calls;
    m_hub.unsubscribe(*this);
  }
  int calls = 0;

 private:
  ViewHub& m_hub;
};

TEST_F(ViewHubTest, AClientDroppingOutDuringASendLeavesTheOthersServed) {
  Dropper waiting_dropper(hub);
  Recorder waiting;
  hub.subscribe(waiting_dropper, {&view}, std::nullopt);
  hub.subscribe(waiting, {&view}, std::nullopt);
  start({{"100", 1, row(1, "a")}});  // the first snapshot goes to both waiting clients
  EXPECT_EQ(waiting.data_events().size(), 1U);
  Dropper follower_dropper(hub);
  hub.subscribe(follower_dropper, {&view}, std::nullopt);
  Recorder follower;
  hub.subscribe(follower, {&view}, std::nullopt);
  const int before = follower_dropper.calls;
  hub.changes(view, {{"101", 1, row(2, "b")}});
  hub.changes(view, {{"102", 1, row(3, "c")}});
  EXPECT_EQ(follower_dropper.calls, before);  // gone after its first call
  EXPECT_EQ(follower.data_events().size(), 3U);
  EXPECT_EQ(waiting.data_events().size(), 3U);
}

TEST_F(ViewHubTest, ClientsThatLeaveGetNothingMore) {
  start({});
  Recorder client;
  hub.subscribe(client, {&view}, std::nullopt);
  hub.unsubscribe(client);
  const size_t before = client.events.size();
  hub.changes(view, {{"101", 1, row(1, "a")}});
  EXPECT_EQ(client.events.size(), before);
}


// ---- Resuming on several views (issue 24): the id says what the client holds, per view.

// Views "a" and "b" with their snapshots (a: sequence 1, b: 2), one row each.
class TwoViews {
 public:
  explicit TwoViews(size_t history) : hub("g", history) {
    for (ViewFeed* view : {&a, &b}) {
      hub.columns(*view, k_columns);
      hub.changes(*view, {{"100", 1, row(1, "one")}});
      hub.progress(*view, "100");
    }
  }
  // `count` changes, alternating between the views (a first): mostly inserts of new
  // rows, every third a delete of the view's oldest row; rows of `width` characters.
  void churn(int count, size_t width = 4) {
    for (int i = 0; i < count; ++i) {
      ViewFeed& view = i % 2 == 0 ? a : b;
      auto& rows = view.name() == "a" ? m_rows_a : m_rows_b;
      const std::string ts = std::to_string(++m_ts);
      if (i % 3 == 2 && !rows.empty()) {
        hub.changes(view, {{ts, -1, rows.front()}});
        rows.erase(rows.begin());
      } else {
        rows.push_back(row(++m_id, std::string(width, 'x').c_str()));
        hub.changes(view, {{ts, 1, rows.back()}});
      }
    }
  }
  // Every client's events rebuilt in order (one browser across its reconnects).
  [[nodiscard]] ViewRows rebuilt(std::initializer_list<const Recorder*> clients) const {
    ViewRows state;
    for (const Recorder* client : clients) rebuild(state, *client);
    std::erase_if(state, [](const auto& entry) { return entry.second.empty(); });
    return state;
  }
  [[nodiscard]] ViewRows now() {
    ViewRows state = truth({&a, &b});
    std::erase_if(state, [](const auto& entry) { return entry.second.empty(); });
    return state;
  }

  ViewHub hub;
  ViewFeed& a = hub.add_view("a");
  ViewFeed& b = hub.add_view("b");

 private:
  std::vector<Row> m_rows_a{row(1, "one")}, m_rows_b{row(1, "one")};
  int64_t m_id = 1;
  int m_ts = 100;
};

class ResumeTest : public ::testing::Test, public TwoViews {
 protected:
  explicit ResumeTest(size_t history = 1 << 20) : TwoViews(history) {}
};

TEST_F(ResumeTest, AnIdFromOneViewsStreamResumesThatViewAndSnapshotsTheOthers) {
  Recorder single;
  hub.subscribe(single, {&a}, std::nullopt);  // /api/views/a/changes
  churn(4);
  hub.unsubscribe(single);
  churn(3);  // missed
  Recorder both;
  hub.subscribe(both, {&a, &b}, resume(single.last_id()));  // /api/changes?views=a,b
  EXPECT_EQ(both.kinds(), (std::vector<std::string>{"changes a", "changes a", "snapshot b"}));
  EXPECT_EQ(rebuilt({&single, &both}), now());
  churn(5);  // and live from there
  EXPECT_EQ(rebuilt({&single, &both}), now());
  EXPECT_EQ(first_not_rising(both.ids), "");
}

TEST_F(ResumeTest, AConnectionLostBetweenTheSnapshotsGetsTheOneItMissed) {
  Recorder first(hub, 1);  // gone after a's snapshot
  hub.subscribe(first, {&a, &b}, std::nullopt);
  ASSERT_EQ(first.kinds(), std::vector<std::string>{"snapshot a"});
  Recorder second;
  hub.subscribe(second, {&a, &b}, resume(first.last_id()));
  EXPECT_EQ(second.kinds(), std::vector<std::string>{"snapshot b"});
  churn(2);
  EXPECT_EQ(rebuilt({&first, &second}), now());
  EXPECT_EQ(first_not_rising(second.ids), "");
}

class ShortHistoryTest : public ResumeTest {
 protected:
  ShortHistoryTest() : ResumeTest(400) {}
};

TEST_F(ShortHistoryTest, IdsRiseAndNeverRepeatWhenOneViewIsPastTheHistory) {
  Recorder first;
  hub.subscribe(first, {&a, &b}, std::nullopt);
  churn(2);
  hub.unsubscribe(first);
  // Missed: b's change is larger than the history (b must start again from a snapshot),
  // then a's small one, still in a's history, is the newest event of all.
  hub.changes(b, {{"200", 1, row(50, std::string(500, 'y').c_str())}});
  hub.changes(a, {{"201", 1, row(51, "z")}});
  Recorder second;
  hub.subscribe(second, {&a, &b}, resume(first.last_id()));
  EXPECT_EQ(second.kinds(), (std::vector<std::string>{"changes a", "snapshot b"}));
  std::vector<std::string> ids = first.ids;
  ids.insert(ids.end(), second.ids.begin(), second.ids.end());
  EXPECT_EQ(first_not_rising(ids), "");
  EXPECT_EQ(rebuilt({&first, &second}), now());
}

// A browser that loses its connection after k events (every k from the first event to
// past both snapshots), on the first connection and on the one that resumes it, then
// resumes again: it ends up with exactly the views' rows, and its ids always rise.
// Returns how many snapshots the resumed connections got.
size_t disconnect_at_every_point(size_t history, size_t width) {
  size_t resumed_snapshots = 0;
  for (size_t k = 1; k <= 6; ++k) {
    TwoViews t(history);
    ViewFeed& other = t.hub.add_view("other");  // sequences the client never sees
    t.hub.columns(other, k_columns);
    t.hub.progress(other, "100");
    t.churn(3, width);
    Recorder first(t.hub, k), second(t.hub, k), third;
    t.hub.subscribe(first, {&t.a, &t.b}, std::nullopt);
    for (int i = 0; i < 6; ++i) {
      t.churn(1, width);
      t.hub.changes(other, {{std::to_string(1000 + i), 1, row(i, "o")}});
    }
    t.hub.unsubscribe(first);
    t.churn(3, width);
    t.hub.subscribe(second, {&t.a, &t.b}, resume(first.last_id()));
    t.churn(4, width);
    t.hub.unsubscribe(second);
    t.churn(3, width);
    t.hub.subscribe(third, {&t.a, &t.b}, resume(second.last_id().empty() ? first.last_id() : second.last_id()));
    t.churn(2, width);
    EXPECT_EQ(t.rebuilt({&first, &second, &third}), t.now()) << "k = " << k << ", history " << history;
    std::vector<std::string> ids = first.ids;
    ids.insert(ids.end(), second.ids.begin(), second.ids.end());
    ids.insert(ids.end(), third.ids.begin(), third.ids.end());
    EXPECT_EQ(first_not_rising(ids), "") << "k = " << k << ", history " << history;
    for (const Recorder* client : {&second, &third}) {
      for (const auto& kind : client->kinds()) if (kind.starts_with("snapshot")) ++resumed_snapshots;
    }
  }
  return resumed_snapshots;
}

TEST(ViewHubResume, DisconnectingAtAnyPointOfAStartLosesNothingAndRepeatsNothing) {
  disconnect_at_every_point(1 << 20, 4);
  // A short history: some views start again from a snapshot.
  EXPECT_GT(disconnect_at_every_point(400, 60), 6U);
}

TEST_F(ShortHistoryTest, AnIdTheServerCannotHonourGetsASnapshotForThatViewOnly) {
  // Sequences: a's snapshot 1, b's 2; then a 3, b 4, a 5, b 6 (small changes).
  churn(4);
  const auto kinds_after = [&](const std::string& id, std::vector<ViewFeed*> views) {
    Recorder client;
    hub.subscribe(client, views, resume(id));
    hub.unsubscribe(client);
    return client.kinds();
  };
  using Kinds = std::vector<std::string>;
  EXPECT_EQ(kinds_after("g-a:6,b:6", {&a, &b}), Kinds{});  // current: nothing to send
  EXPECT_EQ(kinds_after("g-a:4,b:6", {&a, &b}), Kinds{"changes a"});
  EXPECT_EQ(kinds_after("g-a:6,nope:3", {&a, &b}), Kinds{"snapshot b"});  // unknown view: ignored
  EXPECT_EQ(kinds_after("g-a:6", {&a, &b}), Kinds{"snapshot b"});         // b not held
  EXPECT_EQ(kinds_after("g-b:6,a:6", {&a, &b}), Kinds{});                 // any order
  EXPECT_EQ(kinds_after("g-a:6,b:99", {&a, &b}), Kinds{"snapshot b"});    // not given yet
  EXPECT_EQ(kinds_after("g-a:0,b:6", {&a, &b}), Kinds{"snapshot a"});     // before a's snapshot
  EXPECT_EQ(kinds_after("g-a:6,b:6", {&a}), Kinds{});                     // fewer views
  for (const char* bad : {"g-a:6,a:6", "g-a:", "g-:6", "g-a:6,", "g-a:6x", "g-a:-1", "g-", "h-a:6,b:6", "6"}) {
    EXPECT_EQ(kinds_after(bad, {&a, &b}), (Kinds{"snapshot a", "snapshot b"})) << bad;
  }
  // Past the history: b's large change pushes its older events out.
  hub.changes(b, {{"300", 1, row(60, std::string(500, 'y').c_str())}});  // 7
  hub.changes(a, {{"301", 1, row(61, "z")}});                             // 8
  EXPECT_EQ(kinds_after("g-a:6,b:6", {&a, &b}), (Kinds{"changes a", "snapshot b"}));
  EXPECT_EQ(kinds_after("g-a:7,b:7", {&a, &b}), (Kinds{"changes a"}));  // b's 7 is past the drop
}

TEST_F(ResumeTest, TheFormerSingleViewIdStillResumesASingleViewStream) {
  churn(2);  // a 3, b 4
  Recorder single;
  hub.subscribe(single, {&a}, resume("g-3"));
  EXPECT_TRUE(single.kinds().empty());
  Recorder several;
  hub.subscribe(several, {&a, &b}, resume("g-3"));  // which view's? neither is taken
  EXPECT_EQ(several.kinds(), (std::vector<std::string>{"snapshot a", "snapshot b"}));
}

}  // namespace
}  // namespace shop::serve
