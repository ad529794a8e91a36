#pragma once
// The change stream for programs: one line per change as `changes` (tab-separated),
// `jsonl` or `csv`, flushed after every batch so a pipe sees changes as they happen.
#include <cstdint>
#include <string>
#include <vector>

#include "core/change_json.hpp"
#include "core/output.hpp"
#include "core/change_source.hpp"

namespace shop::watch {

enum class StreamFormat { changes, jsonl, csv };

class StreamSink final : public Sink {
 public:
  // `count_limit` 0: no limit. `keyed`: the columns start with `key_count` key columns.
  StreamSink(StreamFormat format, StdoutWriter& out, uint64_t count_limit, size_t key_count);

  void columns(const std::vector<ColumnInfo>& columns) override;
  void change(const std::string& timestamp, int64_t diff, std::string_view row) override;
  void end_changes() override;
  void keyed_changes(const std::vector<KeyedChange>& changes) override;
  void progress(const std::string& timestamp) override;
  void status(const std::string& text) override;
  void idle() override { m_out.throw_if_reader_gone(); }
  [[nodiscard]] bool done() const override { return m_count_limit != 0 && m_emitted >= m_count_limit; }

  [[nodiscard]] uint64_t emitted() const noexcept { return m_emitted; }

 private:
  void append_fields(std::string& line, std::string_view row, char separator);

  StreamFormat m_format;
  StdoutWriter& m_out;
  uint64_t m_count_limit;
  size_t m_key_count;
  ChangeJson m_json;
  bool m_header_written = false;
  uint64_t m_emitted = 0;
  std::string m_status;
  std::string m_text;  // lines not yet handed to the writer
};

}  // namespace shop::watch
