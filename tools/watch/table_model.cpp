#include "table_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "core/error.hpp"

namespace shop::watch {
namespace {

std::vector<std::optional<std::string>> cells_of(std::string_view row) {
  std::vector<std::optional<std::string>> cells;
  for (const auto& field : fields_of(row)) cells.push_back(field ? std::optional<std::string>(*field) : std::nullopt);
  return cells;
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  return std::string(text);
}

constexpr auto k_rate_window = std::chrono::seconds(5);

}  // namespace

std::vector<OrderBy> parse_order_by(std::string_view text, const std::vector<ColumnInfo>& columns) {
  std::vector<OrderBy> order;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    bool descending = false;
    for (const auto& [suffix, desc] : {std::pair{" desc", true}, std::pair{" asc", false}}) {
      if (item.size() > 4 && item.size() >= std::string_view(suffix).size()) {
        std::string lower = item.substr(item.size() - std::string_view(suffix).size());
        std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
        if (lower == suffix) {
          descending = desc;
          item = trim(item.substr(0, item.size() - std::string_view(suffix).size()));
        }
      }
    }
    const auto found = std::find_if(columns.begin(), columns.end(), [&](const ColumnInfo& c) { return c.name == item; });
    if (found == columns.end()) {
      std::string names;
      for (const auto& column : columns) names += (names.empty() ? "" : ", ") + column.name;
      throw UsageError(fmt::format("--order-by: no column '{}' (the columns: {})", item, names));
    }
    order.push_back({static_cast<size_t>(found - columns.begin()), descending});
  }
  return order;
}

TableModel::TableModel(std::chrono::milliseconds highlight) : m_highlight(highlight) {}

void TableModel::set_columns(std::vector<ColumnInfo> columns, size_t key_count) {
  m_columns = std::move(columns);
  m_key_count = key_count;
}

void TableModel::mark(Entry& entry, Mark mark, Clock::time_point now) const {
  entry.mark = mark;
  entry.marked_at = now;
}

void TableModel::note_changes(size_t count, Clock::time_point now) {
  if (count == 0) return;
  m_last_change = now;
  m_recent.emplace_back(now, count);
  while (!m_recent.empty() && now - m_recent.front().first > k_rate_window) m_recent.pop_front();
}

void TableModel::prune(Clock::time_point now) {
  std::erase_if(m_removed, [&](const auto& item) { return now - item.second.marked_at >= m_highlight; });
}

void TableModel::apply(const std::vector<Change>& changes, Clock::time_point now) {
  prune(now);
  // First columns of the rows this batch removes entirely, to recognise updates.
  std::unordered_map<std::string, Row> removed_by_first;
  for (const auto& change : changes) {
    auto found = m_rows.find(change.row);
    if (change.diff < 0) {
      if (found == m_rows.end()) continue;
      found->second.count += change.diff;
      if (found->second.count > 0) {
        mark(found->second, Mark::updated, now);
        continue;
      }
      Entry gone = std::move(found->second);
      m_rows.erase(found);
      mark(gone, Mark::removed, now);
      const std::string first = gone.cells.empty() || !gone.cells[0] ? std::string() : *gone.cells[0];
      removed_by_first[first] = change.row;
      m_removed[change.row] = std::move(gone);
      continue;
    }
    if (found != m_rows.end()) {
      found->second.count += change.diff;
      mark(found->second, Mark::updated, now);
      continue;
    }
    Entry entry{cells_of(change.row), change.diff, Mark::inserted, now};
    const std::string first = entry.cells.empty() || !entry.cells[0] ? std::string() : *entry.cells[0];
    if (auto replaced = removed_by_first.find(first); replaced != removed_by_first.end()) {
      // The same row (by its first column) with new values: an update, not a removal.
      m_removed.erase(replaced->second);
      removed_by_first.erase(replaced);
      entry.mark = Mark::updated;
    }
    m_removed.erase(change.row);
    m_rows[change.row] = std::move(entry);
  }
  note_changes(changes.size(), now);
}

void TableModel::apply(const std::vector<KeyedChange>& changes, Clock::time_point now) {
  prune(now);
  for (const auto& change : changes) {
    if (change.kind == KeyedKind::key_violation) continue;
    auto found = m_rows.find(change.key);
    if (change.kind == KeyedKind::remove) {
      if (found == m_rows.end()) continue;
      Entry gone = std::move(found->second);
      m_rows.erase(found);
      mark(gone, Mark::removed, now);
      m_removed[change.key] = std::move(gone);
      continue;
    }
    std::vector<std::optional<std::string>> cells = cells_of(change.key);
    for (auto& cell : cells_of(change.value)) cells.push_back(std::move(cell));
    const Mark kind = found == m_rows.end() ? Mark::inserted : Mark::updated;
    m_removed.erase(change.key);
    m_rows[change.key] = Entry{std::move(cells), 1, kind, now};
  }
  note_changes(changes.size(), now);
}

void TableModel::progress(const std::string& timestamp, Clock::time_point /*now*/) { m_last_timestamp = timestamp; }

bool TableModel::before(const DisplayRow& a, const DisplayRow& b) const {
  // NULLs come last whatever the direction, as in Materialize's and PostgreSQL's
  // default ordering of ascending columns; returns -2/2 for them so the caller keeps it.
  auto compare = [&](size_t column) {
    const auto& x = a.cells.at(column);
    const auto& y = b.cells.at(column);
    if (!x || !y) return x ? -2 : (y ? 2 : 0);
    if (m_columns.at(column).kind == ColumnKind::number) {
      const double dx = std::strtod(x->c_str(), nullptr);
      const double dy = std::strtod(y->c_str(), nullptr);
      return dx < dy ? -1 : (dx > dy ? 1 : 0);
    }
    return x->compare(*y) < 0 ? -1 : (*x == *y ? 0 : 1);
  };
  if (m_order.empty()) {
    for (size_t c = 0; c < m_columns.size(); ++c) {
      if (const int r = compare(c); r != 0) return r < 0;
    }
    return false;
  }
  for (const auto& order : m_order) {
    const int r = compare(order.column);
    if (r == -2 || r == 2) return r < 0;
    if (r != 0) return order.descending ? r > 0 : r < 0;
  }
  return false;
}

std::vector<DisplayRow> TableModel::visible(size_t limit, Clock::time_point now) const {
  std::vector<DisplayRow> rows;
  rows.reserve(m_rows.size() + m_removed.size());
  for (const auto& [identity, entry] : m_rows) {
    const bool fresh = entry.mark != Mark::none && now - entry.marked_at < m_highlight;
    rows.push_back({entry.cells, entry.count, fresh ? entry.mark : Mark::none});
  }
  for (const auto& [identity, entry] : m_removed) {
    if (now - entry.marked_at < m_highlight) rows.push_back({entry.cells, entry.count, Mark::removed});
  }
  const auto order = [&](const DisplayRow& a, const DisplayRow& b) { return before(a, b); };
  if (limit > 0 && limit < rows.size()) {
    std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(limit), rows.end(), order);
    rows.resize(limit);
  } else {
    std::sort(rows.begin(), rows.end(), order);
  }
  return rows;
}

uint64_t TableModel::row_count() const noexcept {
  uint64_t count = 0;
  for (const auto& [identity, entry] : m_rows) count += static_cast<uint64_t>(entry.count);
  return count;
}

double TableModel::change_rate(Clock::time_point now) const {
  size_t changes = 0;
  for (const auto& [when, count] : m_recent) {
    if (now - when <= k_rate_window) changes += count;
  }
  return static_cast<double>(changes) / std::chrono::duration<double>(k_rate_window).count();
}

}  // namespace shop::watch
