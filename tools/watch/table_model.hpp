#pragma once
// What the live table shows, as plain data (the screen only draws it): the current rows
// in --order-by order, the first --limit of them, each marked for a moment after it
// changed (inserted, updated, removed: a removed row stays visible, marked, until its
// mark fades), and the figures of the header line.
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/change_source.hpp"

namespace shop::watch {

struct OrderBy {
  size_t column;
  bool descending;
};

// Parses "--order-by col [desc], col2 [asc]" against the columns; UsageError naming an
// unknown column.
[[nodiscard]] std::vector<OrderBy> parse_order_by(std::string_view text, const std::vector<ColumnInfo>& columns);

enum class Mark { none, inserted, updated, removed };

struct DisplayRow {
  std::vector<std::optional<std::string>> cells;
  int64_t count;  // copies of the row (plain results can hold duplicates)
  Mark mark;
};

class TableModel {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TableModel(std::chrono::milliseconds highlight = std::chrono::milliseconds(1500));

  // The result's columns; with `key_count` > 0 the first ones are the key (--key).
  void set_columns(std::vector<ColumnInfo> columns, size_t key_count);
  // The order: a parsed --order-by (empty: all columns ascending).
  void set_order(std::vector<OrderBy> order) { m_order = std::move(order); }

  // Plain changes: a removal and an addition in one batch with the same first column
  // read as an update of that row.
  void apply(const std::vector<Change>& changes, Clock::time_point now);
  void apply(const std::vector<KeyedChange>& changes, Clock::time_point now);
  void progress(const std::string& timestamp, Clock::time_point now);

  // The first `limit` rows in order (0: all), removed rows still marked included.
  [[nodiscard]] std::vector<DisplayRow> visible(size_t limit, Clock::time_point now) const;

  [[nodiscard]] const std::vector<ColumnInfo>& columns() const noexcept { return m_columns; }
  [[nodiscard]] uint64_t row_count() const noexcept;  // with multiplicities
  [[nodiscard]] const std::string& last_timestamp() const noexcept { return m_last_timestamp; }
  // Changes per second over the last few seconds.
  [[nodiscard]] double change_rate(Clock::time_point now) const;
  [[nodiscard]] std::optional<Clock::time_point> last_change() const noexcept { return m_last_change; }

 private:
  struct Entry {
    std::vector<std::optional<std::string>> cells;
    int64_t count = 0;
    Mark mark = Mark::none;
    Clock::time_point marked_at{};
  };

  void mark(Entry& entry, Mark mark, Clock::time_point now) const;
  void note_changes(size_t count, Clock::time_point now);
  // Forgets removed rows whose mark has faded (memory stays proportional to the result).
  void prune(Clock::time_point now);
  [[nodiscard]] bool before(const DisplayRow& a, const DisplayRow& b) const;

  std::chrono::milliseconds m_highlight;
  std::vector<ColumnInfo> m_columns;
  size_t m_key_count = 0;
  std::vector<OrderBy> m_order;
  std::unordered_map<Row, Entry> m_rows;     // identity (row, or key) -> entry
  std::unordered_map<Row, Entry> m_removed;  // shown until the mark fades
  std::string m_last_timestamp;
  std::optional<Clock::time_point> m_last_change;
  std::deque<std::pair<Clock::time_point, size_t>> m_recent;  // (when, how many changes)
};

}  // namespace shop::watch
