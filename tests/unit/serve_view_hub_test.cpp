#include "view_hub.hpp"

#include <gtest/gtest.h>

#include "core/row.hpp"
#include "event_stream.hpp"

namespace shop::serve {
namespace {

// A stream client that keeps what it gets: "TYPE ID DATA" per event.
class Recorder final : public StreamClient {
 public:
  void send(const SharedText& event, bool /*start*/) override {
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
  }
  // Only the snapshot and changes events (status and progress left out).
  [[nodiscard]] std::vector<std::string> data_events() const {
    std::vector<std::string> out;
    for (const auto& event : events) {
      if (event.rfind("snapshot", 0) == 0 || event.rfind("changes", 0) == 0) out.push_back(event);
    }
    return out;
  }
  std::vector<std::string> events;
};

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

TEST_F(ViewHubTest, TheFirstResultIsTheSnapshotNotChanges) {
  Recorder early;
  hub.subscribe(early, {&view}, std::nullopt);  // before anything is there: waits
  EXPECT_FALSE(hub.healthy());
  start({{"100", 1, row(1, "a")}, {"100", 1, row(2, "b")}});
  EXPECT_TRUE(hub.healthy());
  EXPECT_EQ(early.data_events(), std::vector<std::string>{
      R"(snapshot g-1 {"view": "inventory_status", "ts": 100, "columns": ["item_id", "name"], "rows": [{"item_id": 1, "name": "a"}, {"item_id": 2, "name": "b"}]})"});
  EXPECT_EQ(view.change_events(), 0U);
}

TEST_F(ViewHubTest, OneChangesEventPerTimestampToEveryClient) {
  start({{"100", 1, row(1, "a")}});
  Recorder first, second;
  hub.subscribe(first, {&view}, std::nullopt);
  hub.subscribe(second, {&view}, std::nullopt);
  hub.changes(view, {{"101", -1, row(1, "a")}, {"101", 1, row(1, "A")}, {"102", 1, row(3, "c")}});
  const std::vector<std::string> expected = {
      R"(snapshot g-1 {"view": "inventory_status", "ts": 100, "columns": ["item_id", "name"], "rows": [{"item_id": 1, "name": "a"}]})",
      R"(changes g-2 {"view": "inventory_status", "ts": 101, "changes": [{"ts": 101, "diff": -1, "row": {"item_id": 1, "name": "a"}}, {"ts": 101, "diff": 1, "row": {"item_id": 1, "name": "A"}}]})",
      R"(changes g-3 {"view": "inventory_status", "ts": 102, "changes": [{"ts": 102, "diff": 1, "row": {"item_id": 3, "name": "c"}}]})"};
  EXPECT_EQ(first.data_events(), expected);
  EXPECT_EQ(second.data_events(), expected);
  EXPECT_EQ(view.row_count(), 2U);
}

TEST_F(ViewHubTest, ResumingGetsExactlyTheEventsAfterTheLastId) {
  start({{"100", 1, row(1, "a")}});
  hub.changes(view, {{"101", 1, row(2, "b")}});  // g-2
  hub.changes(view, {{"102", 1, row(3, "c")}});  // g-3
  hub.changes(view, {{"103", -1, row(2, "b")}});  // g-4
  Recorder resumed;
  hub.subscribe(resumed, {&view}, 2);
  const auto events = resumed.data_events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].substr(0, 12), "changes g-3 ");
  EXPECT_EQ(events[1].substr(0, 12), "changes g-4 ");
  Recorder current;
  hub.subscribe(current, {&view}, 4);  // has everything: nothing to replay
  EXPECT_TRUE(current.data_events().empty());
}

TEST_F(ViewHubTest, AnIdBeforeTheSnapshotOrPastTheHistoryGetsASnapshot) {
  ViewHub small("g", 300);  // room for about one event
  ViewFeed& feed = small.add_view("v");
  ViewFeed& other = small.add_view("w");
  small.columns(other, k_columns);
  small.progress(other, "1");  // g-1: w's snapshot
  small.columns(feed, k_columns);
  small.progress(feed, "1");  // g-2: v's snapshot
  Recorder before_snapshot;
  small.subscribe(before_snapshot, {&feed}, 1);  // never saw v's snapshot
  ASSERT_EQ(before_snapshot.data_events().size(), 1U);
  EXPECT_EQ(before_snapshot.data_events()[0].substr(0, 13), "snapshot g-2 ");
  for (int i = 0; i < 5; ++i) small.changes(feed, {{std::to_string(2 + i), 1, row(i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")}});
  Recorder too_old;
  small.subscribe(too_old, {&feed}, 3);  // g-4.. were dropped from the log
  ASSERT_EQ(too_old.data_events().size(), 1U);
  EXPECT_EQ(too_old.data_events()[0].substr(0, 13), "snapshot g-7 ");
  Recorder future;
  small.subscribe(future, {&feed}, 99);  // not an id this process gave
  EXPECT_EQ(future.data_events()[0].substr(0, 13), "snapshot g-7 ");
}

TEST_F(ViewHubTest, SeveralViewsReplayInSequenceOrder) {
  ViewFeed& other = hub.add_view("other");
  start({});                      // g-1
  hub.columns(other, k_columns);
  hub.progress(other, "100");     // g-2
  hub.changes(view, {{"101", 1, row(1, "a")}});   // g-3
  hub.changes(other, {{"101", 1, row(9, "z")}});  // g-4
  hub.changes(view, {{"102", 1, row(2, "b")}});   // g-5
  Recorder resumed;
  hub.subscribe(resumed, {&view, &other}, 2);
  std::vector<std::string> ids;
  for (const auto& event : resumed.data_events()) ids.push_back(event.substr(0, event.find(' ', 9)));
  EXPECT_EQ(ids, (std::vector<std::string>{"changes g-3", "changes g-4", "changes g-5"}));
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
            R"json(status - {"view": "inventory_status", "state": "reconnecting", "progress_every_ms": 1000, "message": "reconnecting (server closed the connection)"})json");
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

}  // namespace
}  // namespace shop::serve
