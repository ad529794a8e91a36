#pragma once
// What shop-serve answers to a request, decided apart from the network (so every rule
// here is tested without a socket): only GET and HEAD, only these paths, each view or
// item looked up by name or id, never a path outside what is listed.
//   /                              the dashboard            (assets: dashboard.html)
//   /products/ID                   a storefront product page (assets: product.html)
//   /assets/NAME                   the pages' files (Chart.js among them)
//   /api/views/NAME                a view's current rows (JSON)
//   /api/views/NAME/changes        its change stream (text/event-stream)
//   /api/changes?views=A,B,...     several views' changes in one stream (a browser allows
//                                  only six HTTP/1.1 connections per host: the dashboard
//                                  follows its six views over one)
//   /api/items/ID                  an item's stock and shop message (from inventory_status)
//   /api/items/ID/changes          the change stream of that item's rows of inventory_status
//                                  only (the product page: not every item's stock and sales)
//   /healthz  /metrics
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assets.hpp"
#include "view_hub.hpp"

namespace shop::serve {

// The view /api/items/ID reads, and its key column.
inline constexpr std::string_view k_items_view = "inventory_status";
inline constexpr std::string_view k_items_key = "item_id";

// Counters the network side keeps, shown by /metrics.
struct ServerCounters {
  uint64_t requests = 0;
  uint64_t stream_clients = 0;        // connected now
  uint64_t stream_clients_total = 0;  // ever
  uint64_t slow_clients_dropped = 0;  // disconnected past --client-buffer
  uint64_t refused_requests = 0;      // 4xx
  uint64_t connections = 0;           // client connections open now, streams included
  uint64_t max_connections = 0;       // --max-connections
  uint64_t over_capacity = 0;         // requests answered 503 past --max-connections
};

struct Reply {
  unsigned status = 200;
  std::string_view content_type = "application/json";
  std::string body;
  std::string cache_control = "no-store";
  unsigned retry_after_seconds = 0;  // a Retry-After header when not 0 (RFC 9110 section 10.2.3)
  // An event stream: the views it follows and where the client's Last-Event-ID says it
  // is in them (none: absent, malformed or from another process).
  std::vector<ViewFeed*> stream_views;
  std::optional<StreamPosition> resume;
  std::optional<std::string> stream_key;  // one item's rows only (/api/items/ID/changes)
};

class Router {
 public:
  Router(ViewHub& hub, const Assets& assets, const ServerCounters& counters)
      : m_hub(hub), m_assets(assets), m_counters(counters) {}

  // `method` as sent ("GET"); `last_event_id` the header's value ("" when absent).
  [[nodiscard]] Reply route(std::string_view method, std::string_view target, std::string_view last_event_id) const;

 private:
  [[nodiscard]] Reply asset(std::string_view name) const;
  [[nodiscard]] Reply view_rows(std::string_view name) const;
  [[nodiscard]] Reply item(std::string_view id) const;
  [[nodiscard]] Reply stream(const std::vector<std::string>& names, std::string_view last_event_id) const;
  [[nodiscard]] Reply item_stream(std::string_view id, std::string_view last_event_id) const;
  [[nodiscard]] Reply health() const;
  [[nodiscard]] Reply metrics() const;

  ViewHub& m_hub;
  const Assets& m_assets;
  const ServerCounters& m_counters;
};

// {"error": "<message>"} with `status`.
[[nodiscard]] Reply error_reply(unsigned status, std::string_view message);

// How a reply goes on the wire (RFC 9112): written here as one string, status line,
// headers and body together, rather than through Beast's serializer, whose buffer
// sequences cost about half of a small response's instructions (bench/serve.sh).
struct Framing {
  bool head = false;        // HEAD: the headers a GET would get, no body
  bool keep_alive = true;   // else "Connection: close"
  bool http10 = false;      // an HTTP/1.0 client keeps the connection only when told so
  std::string_view date;    // the Date header's value (http_date())
};
void append_response(std::string& out, const Reply& reply, const Framing& framing);
// The headers every response carries, the event stream's among them: the pages load
// nothing from anywhere but shop-serve (Content-Security-Policy 'self'; the favicon is
// inline data:), and no type is sniffed.
void append_common_headers(std::string& out, std::string_view date);
// IMF-fixdate (RFC 9110 section 5.6.7): "Tue, 01 Dec 2026 12:46:04 GMT".
[[nodiscard]] std::string http_date(std::time_t time);

}  // namespace shop::serve
