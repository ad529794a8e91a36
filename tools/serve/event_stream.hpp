#pragma once
// Server-sent events as the HTML standard defines the stream
// (html.spec.whatwg.org/multipage/server-sent-events.html, "Parsing an event stream"):
// fields "id:", "event:", "data:" one per line, an empty line ends an event, a line
// starting with ':' is a comment (our heartbeat). The browser joins several data lines
// with '\n', and keeps the last id it saw to send back as Last-Event-ID when it
// reconnects.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shop::serve {

// Appends one event. `id` and `type` may be empty (no such field: the browser keeps its
// last event id). `data` may span lines (LF, CR or CRLF): each becomes its own "data:"
// line, so the browser gets `data` back with '\n' between the lines.
void append_event(std::string& out, std::string_view type, std::string_view id, std::string_view data);

// Appends a comment line and the empty line after it: ignored by the browser, but it
// keeps proxies and the browser from timing the stream out.
void append_comment(std::string& out, std::string_view text);

// Event ids are "<generation>-<sequence>": the generation is this server process's own
// (an id from an earlier process must not be taken for one of ours), the sequence counts
// every change event the process made, across all its views.
[[nodiscard]] std::string format_event_id(std::string_view generation, uint64_t sequence);

// The sequence in a Last-Event-ID header, if it is one of this generation's ids;
// nullopt when the header is absent, malformed or from another process.
[[nodiscard]] std::optional<uint64_t> parse_event_id(std::string_view header, std::string_view generation);

}  // namespace shop::serve
