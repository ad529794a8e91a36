#include "core/row_table.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace shop {
namespace {

constexpr size_t k_chunk_bytes = 1 << 20;

uint64_t hash_of(std::string_view row) noexcept { return std::hash<std::string_view>{}(row); }

void write_count(char* record, int64_t count) noexcept { std::memcpy(record, &count, sizeof count); }

}  // namespace

void RowTable::reserve(size_t rows) {
  size_t capacity = 16;
  while (capacity * 3 / 4 < rows) capacity *= 2;
  if (capacity <= m_slots.size()) return;
  std::vector<Slot> old = std::move(m_slots);
  m_slots.assign(capacity, Slot{0, nullptr});
  const size_t mask = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.record == nullptr) continue;
    size_t index = slot.hash & mask;
    while (m_slots[index].record != nullptr) index = (index + 1) & mask;
    m_slots[index] = slot;
  }
}

size_t RowTable::find_slot(std::string_view row, uint64_t hash) const noexcept {
  const size_t mask = m_slots.size() - 1;
  size_t index = hash & mask;
  for (;;) {
    const Slot& slot = m_slots[index];
    if (slot.record == nullptr) return index;
    if (slot.hash == hash) {
      const Record record = read_record(slot.record);
      if (record.length == row.size() && std::memcmp(slot.record + k_header, row.data(), row.size()) == 0) return index;
    }
    index = (index + 1) & mask;
  }
}

char* RowTable::store(std::string_view row, int64_t count) {
  const size_t bytes = record_size(row.size());
  if (m_chunks.empty() || m_chunks.back().capacity - m_chunks.back().used < bytes) {
    const size_t capacity = std::max(k_chunk_bytes, bytes);
    m_chunks.push_back({std::make_unique<char[]>(capacity), 0, capacity});
  }
  Chunk& chunk = m_chunks.back();
  char* record = chunk.data.get() + chunk.used;
  const auto length = static_cast<uint32_t>(row.size());
  write_count(record, count);
  std::memcpy(record + sizeof count, &length, sizeof length);
  if (!row.empty()) std::memcpy(record + k_header, row.data(), row.size());
  chunk.used += bytes;
  m_live_bytes += bytes;
  return record;
}

int64_t RowTable::add(std::string_view row, int64_t diff) {
  if (row.size() > UINT32_MAX) throw std::length_error("a row longer than 4 GiB");
  if ((m_size + 1) * 4 > m_slots.size() * 3) reserve(std::max<size_t>(16, m_size * 2 + 1));
  const uint64_t hash = hash_of(row);
  const size_t index = find_slot(row, hash);
  Slot& slot = m_slots[index];
  if (slot.record == nullptr) {
    if (diff == 0) return 0;
    slot = Slot{hash, store(row, diff)};
    ++m_size;
    return diff;
  }
  const int64_t count = read_record(slot.record).count + diff;
  write_count(slot.record, count);
  if (count == 0) remove_at(index);
  return count;
}

int64_t RowTable::count(std::string_view row) const noexcept {
  if (m_slots.empty()) return 0;
  const Slot& slot = m_slots[find_slot(row, hash_of(row))];
  return slot.record == nullptr ? 0 : read_record(slot.record).count;
}

void RowTable::remove_at(size_t index) {
  // The record stays in the arena with count 0 (skipped by for_each) until compaction.
  const size_t bytes = record_size(read_record(m_slots[index].record).length);
  m_live_bytes -= bytes;
  m_dead_bytes += bytes;
  --m_size;
  // Backward-shift deletion: move later members of the probe run into the hole, so
  // lookups never need tombstones.
  const size_t mask = m_slots.size() - 1;
  size_t hole = index;
  size_t next = (index + 1) & mask;
  while (m_slots[next].record != nullptr) {
    const size_t home = m_slots[next].hash & mask;
    // `next` may move into the hole if its home is not in the cyclic range (hole, next].
    const bool movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
    if (movable) {
      m_slots[hole] = m_slots[next];
      hole = next;
    }
    next = (next + 1) & mask;
  }
  m_slots[hole] = Slot{0, nullptr};
  if (m_dead_bytes > k_chunk_bytes && m_dead_bytes > m_live_bytes) compact();
}

void RowTable::compact() {
  RowTable fresh;
  fresh.reserve(m_size);
  for_each([&](std::string_view row, int64_t count) { fresh.add(row, count); });
  *this = std::move(fresh);
}

}  // namespace shop
