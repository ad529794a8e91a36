#include "event_stream.hpp"

#include <charconv>

namespace shop::serve {

void append_event(std::string& out, std::string_view type, std::string_view id, std::string_view data) {
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  if (!type.empty()) {
    out += "event: ";
    out += type;
    out += '\n';
  }
  // A line ends at CRLF, LF or CR (the standard's "end of line"); each piece gets its own
  // "data:" field, so no line break inside `data` can end the event early.
  size_t start = 0;
  for (;;) {
    const size_t end = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += '\n';
}

void append_comment(std::string& out, std::string_view text) {
  out += ':';
  if (!text.empty()) {
    out += ' ';
    // A comment is one line: a line break would start a field of its own.
    for (const char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
  }
  out += "\n\n";
}

std::string format_event_id(std::string_view generation, uint64_t sequence) {
  std::string id(generation);
  id += '-';
  id += std::to_string(sequence);
  return id;
}

std::optional<uint64_t> parse_event_id(std::string_view header, std::string_view generation) {
  if (header.size() <= generation.size() + 1 || header.substr(0, generation.size()) != generation ||
      header[generation.size()] != '-') {
    return std::nullopt;
  }
  const std::string_view digits = header.substr(generation.size() + 1);
  uint64_t sequence = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), sequence);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return sequence;
}

}  // namespace shop::serve
