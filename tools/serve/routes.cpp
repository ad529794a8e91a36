#include "routes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/postgres.hpp"
#include "core/json_text.hpp"
#include "event_stream.hpp"
#include "request_target.hpp"

namespace shop::serve {
namespace {

// A decimal id as the views have them (bigint, uint8): digits only, not too long.
bool is_id(std::string_view text) noexcept {
  return !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string_view name = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (!name.empty()) names.emplace_back(name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return names;
}

// A Prometheus label value (text exposition format: backslash, quote, newline escaped).
std::string label(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

Reply error_reply(unsigned status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.body = "{\"error\": ";
  append_json_string(reply.body, message);
  reply.body += "}";
  return reply;
}

namespace {

std::string_view reason_phrase(unsigned status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

}  // namespace

std::string http_date(std::time_t time) {
  std::tm utc{};
  gmtime_r(&time, &utc);
  char text[40];
  const size_t length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, length);
}

void append_common_headers(std::string& out, std::string_view date) {
  out += "Server: shop-serve\r\nDate: ";
  out += date;
  out += "\r\nX-Content-Type-Options: nosniff\r\n"
         "Content-Security-Policy: default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
         "connect-src 'self'; frame-ancestors 'none'\r\n";
}

void append_response(std::string& out, const Reply& reply, const Framing& framing) {
  out += "HTTP/1.1 ";
  out += std::to_string(reply.status);
  out += ' ';
  out += reason_phrase(reply.status);
  out += "\r\n";
  append_common_headers(out, framing.date);
  out += "Content-Type: ";
  out += reply.content_type;
  out += "\r\nCache-Control: ";
  out += reply.cache_control;
  out += "\r\n";
  if (reply.status == 405) out += "Allow: GET, HEAD\r\n";
  if (reply.retry_after_seconds != 0) {
    out += "Retry-After: ";
    out += std::to_string(reply.retry_after_seconds);
    out += "\r\n";
  }
  if (!framing.keep_alive) {
    out += "Connection: close\r\n";
  } else if (framing.http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "Content-Length: ";
  out += std::to_string(reply.body.size());
  out += "\r\n\r\n";
  if (!framing.head) out += reply.body;
}

Reply Router::route(std::string_view method, std::string_view target, std::string_view last_event_id) const {
  if (method != "GET" && method != "HEAD") {
    return error_reply(405, fmt::format("method {} is not allowed: only GET and HEAD", method));
  }
  const auto parsed = parse_request_target(target);
  if (!parsed) return error_reply(404, "no such page");
  const auto& path = parsed->segments;
  const auto is = [&](std::initializer_list<std::string_view> expected) {
    if (path.size() != expected.size()) return false;
    size_t i = 0;
    for (const auto part : expected) {
      if (!part.empty() && path[i] != part) return false;  // "" matches any segment
      ++i;
    }
    return true;
  };
  if (path.empty()) return asset("dashboard.html");
  if (is({"products", ""})) {
    if (!is_id(path[1])) return error_reply(404, "no such product");
    return asset("product.html");
  }
  if (is({"assets", ""})) return asset(path[1]);
  if (is({"api", "views", ""})) return view_rows(path[2]);
  if (is({"api", "views", "", "changes"})) return stream({path[2]}, last_event_id);
  if (is({"api", "changes"})) {
    const auto views = query_parameter(parsed->query, "views");
    const auto names = views ? split_names(*views) : std::vector<std::string>();
    if (names.empty()) return error_reply(400, "/api/changes needs ?views=NAME[,NAME...]");
    return stream(names, last_event_id);
  }
  if (is({"api", "items", ""})) return item(path[2]);
  if (is({"api", "items", "", "changes"})) return item_stream(path[2], last_event_id);
  if (is({"healthz"})) return health();
  if (is({"metrics"})) return metrics();
  return error_reply(404, "no such page");
}

Reply Router::asset(std::string_view name) const {
  const auto found = m_assets.find(name);
  if (!found) return error_reply(404, "no such file");
  Reply reply;
  reply.content_type = found->content_type;
  reply.body = std::string(found->content);
  reply.cache_control = "no-cache";  // revalidate: pages change when shop-serve does
  return reply;
}

Reply Router::view_rows(std::string_view name) const {
  ViewFeed* view = m_hub.find(name);
  if (view == nullptr) return error_reply(404, fmt::format("no view named '{}' is served (see --views)", name));
  if (!view->ready()) return error_reply(503, fmt::format("{} has no snapshot yet ({})", name, source_state_name(view->state())));
  Reply reply;
  reply.body = *view->snapshot_json();
  return reply;
}

Reply Router::item(std::string_view id) const {
  ViewFeed* view = m_hub.find(k_items_view);
  if (view == nullptr) return error_reply(404, fmt::format("{} is not served (see --views)", k_items_view));
  if (!view->ready()) return error_reply(503, fmt::format("{} has no snapshot yet", k_items_view));
  const std::string* row = is_id(id) ? view->indexed_row_json(id) : nullptr;
  if (row == nullptr) return error_reply(404, fmt::format("no item {}", id));
  Reply reply;
  reply.body = *row;
  return reply;
}

Reply Router::stream(const std::vector<std::string>& names, std::string_view last_event_id) const {
  Reply reply;
  for (const auto& name : names) {
    ViewFeed* view = m_hub.find(name);
    if (view == nullptr) return error_reply(404, fmt::format("no view named '{}' is served (see --views)", name));
    if (std::find(reply.stream_views.begin(), reply.stream_views.end(), view) == reply.stream_views.end()) {
      reply.stream_views.push_back(view);
    }
  }
  reply.content_type = "text/event-stream";
  if (!last_event_id.empty()) reply.resume = parse_event_id(last_event_id, m_hub.generation());
  return reply;
}

Reply Router::item_stream(std::string_view id, std::string_view last_event_id) const {
  if (m_hub.find(k_items_view) == nullptr) {
    return error_reply(404, fmt::format("{} is not served (see --views)", k_items_view));
  }
  if (!is_id(id)) return error_reply(404, fmt::format("no item {}", id));
  // An item with no row (yet) is followed all the same: its row may come.
  Reply reply = stream({std::string(k_items_view)}, last_event_id);
  reply.stream_key = std::string(id);
  return reply;
}

Reply Router::health() const {
  const auto now = std::chrono::steady_clock::now();
  const bool healthy = m_hub.healthy(now);
  std::string body = "{\"healthy\": ";
  body += healthy ? "true" : "false";
  body += ", \"views\": {";
  bool first = true;
  for (const auto& view : m_hub.views()) {
    if (!first) body += ", ";
    first = false;
    append_json_string(body, view->name());
    body += ": {\"state\": \"";
    body += source_state_name(view->state());
    body += "\", \"snapshot\": ";
    body += view->ready() ? "true" : "false";
    const bool stale = m_hub.stale(*view, now);
    body += ", \"stale\": ";
    body += stale ? "true" : "false";
    body += ", \"ts\": ";
    if (view->timestamp().empty()) {
      body += "null";
    } else {
      append_json_timestamp(body, view->timestamp());
    }
    if (stale) {
      const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - view->last_progress_at());
      body += ", \"message\": ";
      append_json_string(body, fmt::format("no progress from the source for {:.1f} s (stale after {:.0f} s)",
                                           static_cast<double>(silent.count()) / 1000.0,
                                           static_cast<double>(m_hub.stale_after().count()) / 1000.0));
    } else if (!view->status_message().empty()) {
      body += ", \"message\": ";
      append_json_string(body, view->status_message());
    }
    body += '}';
  }
  body += "}}";
  Reply reply;
  reply.status = healthy ? 200 : 503;
  reply.body = std::move(body);
  return reply;
}

Reply Router::metrics() const {
  // Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats/).
  std::string out;
  const auto metric = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  metric("shop_serve_requests_total", "counter", "HTTP requests answered.");
  out += fmt::format("shop_serve_requests_total {}\n", m_counters.requests);
  metric("shop_serve_refused_requests_total", "counter", "Requests answered with a 4xx status.");
  out += fmt::format("shop_serve_refused_requests_total {}\n", m_counters.refused_requests);
  // No family name twice (OpenMetrics: a counter's family is its name less _total).
  metric("shop_serve_stream_clients", "gauge", "Event-stream clients connected now.");
  out += fmt::format("shop_serve_stream_clients {}\n", m_counters.stream_clients);
  metric("shop_serve_stream_clients_accepted_total", "counter", "Event-stream clients ever connected.");
  out += fmt::format("shop_serve_stream_clients_accepted_total {}\n", m_counters.stream_clients_total);
  metric("shop_serve_connections", "gauge",
         "Client connections served now, event streams included (not those only answered 503).");
  out += fmt::format("shop_serve_connections {}\n", m_counters.connections);
  metric("shop_serve_connections_max", "gauge", "Client connections served at once (--max-connections).");
  out += fmt::format("shop_serve_connections_max {}\n", m_counters.max_connections);
  metric("shop_serve_over_capacity_requests_total", "counter",
         "Requests answered 503 for arriving past --max-connections.");
  out += fmt::format("shop_serve_over_capacity_requests_total {}\n", m_counters.over_capacity);
  metric("shop_serve_events_sent_total", "counter", "Events queued to event-stream clients.");
  out += fmt::format("shop_serve_events_sent_total {}\n", m_hub.events_sent());
  metric("shop_serve_slow_clients_dropped_total", "counter",
         "Event-stream clients disconnected for falling behind (--client-buffer).");
  out += fmt::format("shop_serve_slow_clients_dropped_total {}\n", m_counters.slow_clients_dropped);
  metric("shop_serve_source_up", "gauge", "1 when the view's source is connected and has its snapshot.");
  for (const auto& view : m_hub.views()) {
    out += fmt::format("shop_serve_source_up{{view=\"{}\",state=\"{}\"}} {}\n", label(view->name()),
                       source_state_name(view->state()), view->ready() && view->state() == SourceState::live ? 1 : 0);
  }
  metric("shop_serve_source_reconnects_total", "counter", "Times the view's source lost its connection.");
  for (const auto& view : m_hub.views()) {
    out += fmt::format("shop_serve_source_reconnects_total{{view=\"{}\"}} {}\n", label(view->name()), view->reconnects());
  }
  metric("shop_serve_view_rows", "gauge", "Rows in the view's current result.");
  for (const auto& view : m_hub.views()) {
    out += fmt::format("shop_serve_view_rows{{view=\"{}\"}} {}\n", label(view->name()), view->row_count());
  }
  metric("shop_serve_view_change_events_total", "counter", "Change events (one per timestamp) the view produced.");
  for (const auto& view : m_hub.views()) {
    out += fmt::format("shop_serve_view_change_events_total{{view=\"{}\"}} {}\n", label(view->name()),
                       view->change_events());
  }
  metric("shop_serve_view_timestamp", "gauge",
         "The view's last complete timestamp (mz_timestamp, or epoch milliseconds in poll mode).");
  for (const auto& view : m_hub.views()) {
    if (!view->timestamp().empty()) {
      out += fmt::format("shop_serve_view_timestamp{{view=\"{}\"}} {}\n", label(view->name()), view->timestamp());
    }
  }
  metric("shop_serve_view_last_change_applied_seconds", "gauge",
         "When shop-serve last applied a change to the view (Unix time).");
  for (const auto& view : m_hub.views()) {
    if (const auto applied = view->last_change_applied()) {
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(applied->time_since_epoch()).count();
      out += fmt::format("shop_serve_view_last_change_applied_seconds{{view=\"{}\"}} {}.{:06}\n", label(view->name()),
                         micros / 1000000, micros % 1000000);
    }
  }
  Reply reply;
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  reply.body = std::move(out);
  return reply;
}

}  // namespace shop::serve
