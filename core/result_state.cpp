#include "core/result_state.hpp"

#include "core/error.hpp"

namespace shop {

bool timestamp_less(const std::string& a, const std::string& b) noexcept {
  // Decimal integers without leading zeros: the shorter is smaller; same length compares
  // as text. (A fractional part, which mz_timestamp never has, compares as text.)
  const size_t a_digits = a.find('.') == std::string::npos ? a.size() : a.find('.');
  const size_t b_digits = b.find('.') == std::string::npos ? b.size() : b.find('.');
  if (a_digits != b_digits) return a_digits < b_digits;
  return a < b;
}

void ResultState::stage(std::string timestamp, int64_t diff, Row row) {
  m_staged[std::move(timestamp)].emplace_back(std::move(row), diff);
}

void ResultState::apply(const std::string& timestamp, int64_t diff, std::string_view row) {
  if (!m_keep_rows) return;
  const int64_t count = m_rows.add(row, diff);
  m_row_count = static_cast<uint64_t>(static_cast<int64_t>(m_row_count) + diff);
  if (count < 0) {
    // The server and we disagree about the result: nothing shown from here is right.
    throw Error("the server removed a row that was not in the result (" + timestamp + ")");
  }
}

void ResultState::close_before(const std::string& bound, const Emit& emit) {
  const auto end = bound.empty() ? m_staged.end() : m_staged.lower_bound(bound);
  for (auto it = m_staged.begin(); it != end; ++it) {
    auto& [timestamp, staged] = *it;
    // Net diff per row, keyed by its first occurrence in `staged` (not modified meanwhile).
    std::unordered_map<std::string_view, size_t> first;
    std::vector<int64_t> net(staged.size(), 0);
    for (size_t i = 0; i < staged.size(); ++i) {
      const auto [entry, inserted] = first.try_emplace(staged[i].first, i);
      net[entry->second] += staged[i].second;
    }
    for (const bool removals : {true, false}) {
      for (size_t i = 0; i < staged.size(); ++i) {
        if (net[i] == 0 || (net[i] < 0) != removals) continue;
        apply(timestamp, net[i], staged[i].first);
        emit(timestamp, net[i], staged[i].first);
      }
    }
  }
  m_staged.erase(m_staged.begin(), end);
}

void ResultState::replace(Rows rows, const std::string& timestamp, const Emit& emit) {
  if (m_rows.empty()) {
    // The first result (the common case for a large one): every row is an addition.
    m_row_count = 0;
    rows.for_each([&](std::string_view row, int64_t count) {
      emit(timestamp, count, row);
      m_row_count += static_cast<uint64_t>(count);
    });
    m_rows = std::move(rows);
    return;
  }
  m_rows.for_each([&](std::string_view row, int64_t count) {
    const int64_t now = rows.count(row);
    if (now < count) emit(timestamp, now - count, row);
  });
  m_row_count = 0;
  rows.for_each([&](std::string_view row, int64_t count) {
    const int64_t before = m_rows.count(row);
    if (count > before) emit(timestamp, count - before, row);
    m_row_count += static_cast<uint64_t>(count);
  });
  m_rows = std::move(rows);
}

std::vector<Change> ResultState::close() {
  std::vector<Change> changes;
  close([&](const std::string& timestamp, int64_t diff, std::string_view row) {
    changes.push_back({timestamp, diff, Row(row)});
  });
  return changes;
}

std::vector<Change> ResultState::replace(Rows rows, const std::string& timestamp) {
  std::vector<Change> changes;
  replace(std::move(rows), timestamp, [&](const std::string& ts, int64_t diff, std::string_view row) {
    changes.push_back({ts, diff, Row(row)});
  });
  return changes;
}

void KeyedState::stage(std::string timestamp, KeyedKind kind, Row key, Row value) {
  auto& staged = m_staged[timestamp];
  staged.push_back({std::move(timestamp), kind, std::move(key), std::move(value)});
}

std::vector<KeyedChange> KeyedState::close_before(const std::string& bound) {
  std::vector<KeyedChange> changes;
  const auto end = bound.empty() ? m_staged.end() : m_staged.lower_bound(bound);
  for (auto it = m_staged.begin(); it != end; ++it) {
    auto& staged = it->second;
    // The last state of each key at this timestamp, in the order keys first appeared.
    std::unordered_map<std::string_view, size_t> last;
    std::vector<size_t> order;
    for (size_t i = 0; i < staged.size(); ++i) {
      if (staged[i].kind == KeyedKind::key_violation) {
        changes.push_back(staged[i]);
        continue;
      }
      auto [entry, inserted] = last.try_emplace(staged[i].key, i);
      if (inserted) {
        order.push_back(i);
      } else {
        entry->second = i;
      }
    }
    for (const size_t first : order) {
      const KeyedChange& change = staged[last.at(staged[first].key)];
      if (!m_keep_rows) {
        changes.push_back(change.kind == KeyedKind::remove ? KeyedChange{change.timestamp, KeyedKind::remove, change.key, {}}
                                                           : change);
        continue;
      }
      const auto found = m_rows.find(change.key);
      if (change.kind == KeyedKind::remove) {
        if (found == m_rows.end()) continue;
        m_rows.erase(found);
        changes.push_back({change.timestamp, KeyedKind::remove, change.key, {}});
      } else {
        if (found != m_rows.end() && found->second == change.value) continue;
        m_rows[change.key] = change.value;
        changes.push_back(change);
      }
    }
  }
  m_staged.erase(m_staged.begin(), end);
  return changes;
}

std::vector<KeyedChange> KeyedState::replace(Rows rows, const std::string& timestamp) {
  std::vector<KeyedChange> changes;
  for (const auto& [key, value] : m_rows) {
    if (!rows.contains(key)) changes.push_back({timestamp, KeyedKind::remove, key, {}});
  }
  for (const auto& [key, value] : rows) {
    const auto found = m_rows.find(key);
    if (found == m_rows.end() || found->second != value) changes.push_back({timestamp, KeyedKind::upsert, key, value});
  }
  m_rows = std::move(rows);
  return changes;
}

}  // namespace shop
