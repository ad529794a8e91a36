#include "event_stream.hpp"

#include <algorithm>
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

namespace {

std::optional<uint64_t> parse_sequence(std::string_view digits) {
  uint64_t sequence = 0;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), sequence);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return sequence;
}

}  // namespace

std::optional<uint64_t> StreamPosition::of(std::string_view view, size_t stream_views) const {
  if (unnamed) return stream_views == 1 ? unnamed : std::nullopt;
  for (const auto& position : views) {
    if (position.view == view) return position.sequence;
  }
  return std::nullopt;
}

std::string format_event_id(std::string_view generation, const std::vector<ViewPosition>& views) {
  std::string id(generation);
  id += '-';
  for (size_t i = 0; i < views.size(); ++i) {
    if (i > 0) id += ',';
    id += views[i].view;
    id += ':';
    id += std::to_string(views[i].sequence);
  }
  return id;
}

std::optional<StreamPosition> parse_event_id(std::string_view header, std::string_view generation) {
  if (header.size() <= generation.size() + 1 || header.substr(0, generation.size()) != generation ||
      header[generation.size()] != '-') {
    return std::nullopt;
  }
  const std::string_view list = header.substr(generation.size() + 1);
  StreamPosition position;
  if (list.find(':') == std::string_view::npos) {
    position.unnamed = parse_sequence(list);
    if (!position.unnamed) return std::nullopt;
    return position;
  }
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    const std::string_view entry =
        list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const auto sequence = parse_sequence(entry.substr(colon + 1));
    if (!sequence) return std::nullopt;
    position.views.push_back({std::string(entry.substr(0, colon)), *sequence});
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  // A view twice: which of the two would it be? (Sorted copies: a header holds thousands.)
  std::vector<std::string_view> names;
  names.reserve(position.views.size());
  for (const auto& view : position.views) names.push_back(view.view);
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) return std::nullopt;
  return position;
}

std::string event_with_id(std::string_view id, std::string_view event) {
  std::string out;
  out.reserve(id.size() + 5 + event.size());
  out += "id: ";
  out += id;
  out += '\n';
  out += event;
  return out;
}

}  // namespace shop::serve
