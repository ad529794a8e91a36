#include "stream_sink.hpp"

#include "core/diagnostics.hpp"
#include "core/summary.hpp"

namespace shop::watch {
StreamSink::StreamSink(StreamFormat format, StdoutWriter& out, uint64_t count_limit, size_t key_count)
    : m_format(format), m_out(out), m_count_limit(count_limit), m_key_count(key_count) {}

void StreamSink::columns(const std::vector<ColumnInfo>& columns) {
  m_json.set_columns(columns);
  if (m_format != StreamFormat::csv || m_header_written) return;
  std::string header = m_key_count > 0 ? "ts,state" : "ts,diff";
  for (const auto& column : columns) {
    header += ',';
    append_csv_field(header, column.name);
  }
  header += '\n';
  m_out.write(header);
  m_header_written = true;
}

void StreamSink::append_fields(std::string& line, std::string_view row, char separator) {
  for_each_field(row, [&](Field field) {
    line += separator;
    if (!field) {
      if (m_format == StreamFormat::changes) line += "\\N";  // COPY's NULL; CSV leaves it empty
    } else if (m_format == StreamFormat::csv) {
      append_csv_field(line, *field);
    } else {
      append_tsv_field(line, *field);
    }
  });
}

void StreamSink::change(const std::string& timestamp, int64_t diff, std::string_view row) {
  if (done()) return;
  if (m_format == StreamFormat::jsonl) {
    m_json.append_change(m_text, timestamp, diff, row);
    m_text += '\n';
  } else {
    const char separator = m_format == StreamFormat::csv ? ',' : '\t';
    m_text += timestamp;
    m_text += separator;
    if (diff > 0) m_text += '+';
    m_text += std::to_string(diff);
    append_fields(m_text, row, separator);
    m_text += '\n';
  }
  ++m_emitted;
  if (m_text.size() >= (1 << 16)) {
    m_out.write(m_text);
    m_text.clear();
  }
}

void StreamSink::end_changes() {
  m_out.write(m_text);
  m_text.clear();
  m_out.flush();
}

void StreamSink::keyed_changes(const std::vector<KeyedChange>& changes) {
  std::string text;
  for (const auto& change : changes) {
    if (done()) break;
    if (m_format == StreamFormat::jsonl) {
      m_json.append_keyed_change(text, change, m_key_count);
      text += '\n';
    } else {
      const char separator = m_format == StreamFormat::csv ? ',' : '\t';
      text += change.timestamp;
      text += separator;
      text += keyed_state_name(change.kind);
      append_fields(text, change.key, separator);
      if (change.kind == KeyedKind::upsert) append_fields(text, change.value, separator);
      text += '\n';
    }
    ++m_emitted;
  }
  m_out.write(text);
  m_out.flush();
}

void StreamSink::progress(const std::string& /*timestamp*/) {}

void StreamSink::status(const std::string& text) {
  if (text == m_status) return;
  m_status = text;
  info("{}", text.empty() ? std::string("connected again") : text);
}

}  // namespace shop::watch
