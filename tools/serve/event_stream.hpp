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
#include <vector>

namespace shop::serve {

// Appends one event. `id` and `type` may be empty (no such field: the browser keeps its
// last event id). `data` may span lines (LF, CR or CRLF): each becomes its own "data:"
// line, so the browser gets `data` back with '\n' between the lines.
void append_event(std::string& out, std::string_view type, std::string_view id, std::string_view data);

// Appends a comment line and the empty line after it: ignored by the browser, but it
// keeps proxies and the browser from timing the stream out.
void append_comment(std::string& out, std::string_view text);

// Event ids say exactly what the client holds, per view (docs/programs.md, shop-serve):
//
//   <generation>-<view>:<sequence>[,<view>:<sequence>...]
//   e.g. 5f3a9c2b7d4e-top_items:154,inventory_status:160
//
// The generation is this server process's own (an id from an earlier process must not be
// taken for one of ours). Every change event and every view's first snapshot get the next
// number of one process-wide sequence. "<view>:<p>" says: the client holds that view as
// it was at p, that is its snapshot if it had one by then and exactly its change events
// numbered up to p, none after (a view with no snapshot yet is listed too: the client
// holds its "nothing yet"). A view the client holds nothing of is not listed. Views are
// listed in --views order, each once.
//
// On one connection each id is greater than the one before: no listed view's sequence
// goes down or leaves the id, and at least one goes up or joins. (After a client's start,
// every view of the stream is listed with the number of the newest event, so each
// position then rises with every event.) The browser sends the last id it got back as
// Last-Event-ID; any id can be used on any stream (another set of views, one view).
//
// "<generation>-<sequence>" (earlier versions' single-view form) is still read: on a
// stream of one view it is that view's position; on a stream of several, none.
struct ViewPosition {
  std::string view;
  uint64_t sequence = 0;
  bool operator==(const ViewPosition&) const = default;
};

struct StreamPosition {
  std::vector<ViewPosition> views;
  std::optional<uint64_t> unnamed;  // the single-view form
  // The sequence the id gives `view` (for a stream of `stream_views` views), if any.
  [[nodiscard]] std::optional<uint64_t> of(std::string_view view, size_t stream_views) const;
  bool operator==(const StreamPosition&) const = default;
};

// "<generation>-<view>:<sequence>,...", `views` in the order given.
[[nodiscard]] std::string format_event_id(std::string_view generation, const std::vector<ViewPosition>& views);

// What a Last-Event-ID says; nullopt when it is absent, malformed (a view twice, an empty
// name, a sequence that is not a decimal number below 2^64) or from another process.
[[nodiscard]] std::optional<StreamPosition> parse_event_id(std::string_view header, std::string_view generation);

// `event` (from append_event with no id) with an "id:" line in front.
[[nodiscard]] std::string event_with_id(std::string_view id, std::string_view event);

}  // namespace shop::serve
