#pragma once
// A multiset of rows as an open-addressing hash table (linear probing, backward-shift
// deletion) over an arena of records (count, length, bytes) kept in insertion order:
// two allocations per row and a pointer chase per lookup (std::unordered_map) made a
// million-row result three times slower to take in than psql is to print it
// (bench/watch.sh), and walking the records in arena order reads memory sequentially.
// Memory stays proportional to the result: the arena is compacted once removed rows
// outweigh the live ones.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace shop {

class RowTable {
 public:
  RowTable() = default;
  RowTable(RowTable&&) noexcept = default;
  RowTable& operator=(RowTable&&) noexcept = default;

  // Makes room for `rows` distinct rows without rehashing.
  void reserve(size_t rows);
  // Adds `diff` copies of `row` (negative: removes); returns the row's new count. A
  // count that reaches 0 removes the row.
  int64_t add(std::string_view row, int64_t diff);
  // Copies of `row` (0: absent).
  [[nodiscard]] int64_t count(std::string_view row) const noexcept;
  // Distinct rows.
  [[nodiscard]] size_t size() const noexcept { return m_size; }
  [[nodiscard]] bool empty() const noexcept { return m_size == 0; }

  // Calls visit(row, count) for every row, in the order rows were first added.
  template <typename Visit>
  void for_each(Visit&& visit) const {
    for (const auto& chunk : m_chunks) {
      const char* at = chunk.data.get();
      const char* const end = at + chunk.used;
      while (at < end) {
        const Record record = read_record(at);
        if (record.count != 0) visit(std::string_view(at + k_header, record.length), record.count);
        at += record_size(record.length);
      }
    }
  }

 private:
  struct Record {
    int64_t count;
    uint32_t length;
  };
  static constexpr size_t k_header = sizeof(int64_t) + sizeof(uint32_t);
  static size_t record_size(size_t length) noexcept { return (k_header + length + 7) & ~size_t{7}; }
  static Record read_record(const char* at) noexcept {
    Record record{};
    std::memcpy(&record.count, at, sizeof record.count);
    std::memcpy(&record.length, at + sizeof record.count, sizeof record.length);
    return record;
  }

  struct Slot {
    uint64_t hash;
    char* record;  // nullptr: empty
  };
  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t used;
    size_t capacity;
  };

  [[nodiscard]] size_t find_slot(std::string_view row, uint64_t hash) const noexcept;
  void remove_at(size_t index);
  char* store(std::string_view row, int64_t count);
  void compact();

  std::vector<Slot> m_slots;  // a power of two in size, at most 3/4 full
  size_t m_size = 0;
  std::vector<Chunk> m_chunks;
  size_t m_live_bytes = 0;
  size_t m_dead_bytes = 0;
};

}  // namespace shop
