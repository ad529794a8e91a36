#include "stream_sink.hpp"

#include <algorithm>

#include "core/diagnostics.hpp"
#include "core/summary.hpp"

namespace shop::watch {
namespace {

// A timestamp as a JSON number when it is one (mz_timestamp, epoch milliseconds).
void append_json_timestamp(std::string& out, const std::string& timestamp) {
  const bool digits = !timestamp.empty() && std::all_of(timestamp.begin(), timestamp.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (digits) {
    out += timestamp;
  } else {
    append_json_string(out, timestamp);
  }
}

}  // namespace

StreamSink::StreamSink(StreamFormat format, StdoutWriter& out, uint64_t count_limit, size_t key_count)
    : m_format(format), m_out(out), m_count_limit(count_limit), m_key_count(key_count) {}

void StreamSink::columns(const std::vector<ColumnInfo>& columns) {
  m_columns = columns;
  // Escaped once here, not once per row.
  m_json_keys.clear();
  for (const auto& column : columns) {
    std::string key;
    append_json_string(key, column.name);
    m_json_keys.push_back(key + ": ");
  }
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

void StreamSink::append_json_object(std::string& line, std::string_view row, size_t first_column) {
  line += '{';
  size_t i = 0;
  for_each_field(row, [&](Field field) {
    const size_t column = first_column + i;
    if (i++ > 0) line += ", ";
    line += m_json_keys.at(column);
    if (field) {
      append_json_value(line, *field, m_columns[column].kind);
    } else {
      line += "null";
    }
  });
  line += '}';
}

void StreamSink::change(const std::string& timestamp, int64_t diff, std::string_view row) {
  if (done()) return;
  if (m_format == StreamFormat::jsonl) {
    m_text += "{\"ts\": ";
    append_json_timestamp(m_text, timestamp);
    m_text += ", \"diff\": ";
    m_text += std::to_string(diff);
    m_text += ", \"row\": ";
    append_json_object(m_text, row, 0);
    m_text += "}\n";
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
    const char* state = change.kind == KeyedKind::upsert   ? "upsert"
                        : change.kind == KeyedKind::remove ? "delete"
                                                           : "key_violation";
    if (m_format == StreamFormat::jsonl) {
      text += "{\"ts\": ";
      append_json_timestamp(text, change.timestamp);
      text += ", \"state\": \"";
      text += state;
      text += "\", \"key\": ";
      append_json_object(text, change.key, 0);
      text += ", \"value\": ";
      if (change.kind == KeyedKind::upsert) {
        append_json_object(text, change.value, m_key_count);
      } else {
        text += "null";
      }
      text += "}\n";
    } else {
      const char separator = m_format == StreamFormat::csv ? ',' : '\t';
      text += change.timestamp;
      text += separator;
      text += state;
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
