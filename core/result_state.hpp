#pragma once
// The one state machine behind every source (DESIGN.md, issue "shop-watch"): the current
// result as a multiset of rows, changed by (timestamp, diff, row) changes that are held
// back until progress closes their timestamp, so every state seen is consistent at one
// timestamp. Poll mode and a resynchronisation after a reconnect replace the whole
// result and get back only the difference. Memory is proportional to the result.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/row.hpp"
#include "core/row_table.hpp"

namespace shop {

// Timestamps are decimal text (Materialize's mz_timestamp, or epoch milliseconds in poll
// mode); this orders them as numbers.
[[nodiscard]] bool timestamp_less(const std::string& a, const std::string& b) noexcept;

struct Change {
  std::string timestamp;
  int64_t diff;  // +n: n more copies of the row, -n: n fewer
  Row row;
};

class ResultState {
 public:
  using Rows = RowTable;
  // keep_rows = false: changes pass through without a result to check them against (a
  // subscription without a snapshot removes rows this state never saw).
  explicit ResultState(bool keep_rows = true) : m_keep_rows(keep_rows) {}
  // Receives each change; `row` is valid only during the call (no copies of a large
  // result are made to report it).
  using Emit = std::function<void(const std::string& timestamp, int64_t diff, std::string_view row)>;

  // Holds a change back until close() (a SUBSCRIBE row before its progress row).
  void stage(std::string timestamp, int64_t diff, Row row);
  // Applies everything staged: per timestamp, in timestamp order, the net change of
  // each row (changes that cancel out vanish), removals before additions (an update
  // reads as -old, +new), each passed to `emit`.
  void close(const Emit& emit) { close_before({}, emit); }
  // The same for the staged timestamps below `bound` only ("" = all): a progress row at
  // T closes the timestamps below T, while more may still arrive at T.
  void close_before(const std::string& bound, const Emit& emit);
  // Drops what is staged (a subscription lost before its progress).
  void discard_staged() { m_staged.clear(); }
  [[nodiscard]] bool has_staged() const noexcept { return !m_staged.empty(); }

  // Makes `rows` the whole result (a poll, or a fresh snapshot after a reconnect) and
  // passes its difference from the previous one to `emit`, removals first, at `timestamp`.
  void replace(Rows rows, const std::string& timestamp, const Emit& emit);

  // The same, collected (tests, small results).
  std::vector<Change> close();
  std::vector<Change> replace(Rows rows, const std::string& timestamp);

  [[nodiscard]] const Rows& rows() const noexcept { return m_rows; }
  // Rows counted with their multiplicity.
  [[nodiscard]] uint64_t row_count() const noexcept { return m_row_count; }

 private:
  void apply(const std::string& timestamp, int64_t diff, std::string_view row);

  bool m_keep_rows;
  Rows m_rows;
  uint64_t m_row_count = 0;
  // Staged changes per timestamp, in arrival order.
  std::map<std::string, std::vector<std::pair<Row, int64_t>>, bool (*)(const std::string&, const std::string&) noexcept>
      m_staged{&timestamp_less};
};

// With --key: the result as a map from key to value (SUBSCRIBE ... ENVELOPE UPSERT, or
// poll mode with key columns).
enum class KeyedKind { upsert, remove, key_violation };

// The kind as SUBSCRIBE ... ENVELOPE UPSERT names it in mz_state (doc/user/content/sql/
// subscribe.md; tests/integration/watch/subscribe_standin.sql has the rule and its source).
[[nodiscard]] constexpr const char* keyed_state_name(KeyedKind kind) noexcept {
  return kind == KeyedKind::upsert ? "upsert" : kind == KeyedKind::remove ? "delete" : "key_violation";
}

struct KeyedChange {
  std::string timestamp;
  KeyedKind kind;
  Row key;
  Row value;  // empty for remove
};

class KeyedState {
 public:
  using Rows = std::unordered_map<Row, Row>;  // key -> value
  // keep_rows = false: each key's last state per timestamp passes through unchecked.
  explicit KeyedState(bool keep_rows = true) : m_keep_rows(keep_rows) {}

  void stage(std::string timestamp, KeyedKind kind, Row key, Row value);
  // Per timestamp in order, the last state of each key: an upsert that changes the
  // value (or adds the key), a remove of a key that was there, key violations as they
  // came. Returns what changed.
  std::vector<KeyedChange> close() { return close_before({}); }
  // The same for the staged timestamps below `bound` only ("" = all).
  std::vector<KeyedChange> close_before(const std::string& bound);
  void discard_staged() { m_staged.clear(); }
  [[nodiscard]] bool has_staged() const noexcept { return !m_staged.empty(); }

  std::vector<KeyedChange> replace(Rows rows, const std::string& timestamp);

  [[nodiscard]] const Rows& rows() const noexcept { return m_rows; }

 private:
  bool m_keep_rows;
  Rows m_rows;
  std::map<std::string, std::vector<KeyedChange>, bool (*)(const std::string&, const std::string&) noexcept> m_staged{
      &timestamp_less};
};

}  // namespace shop
