#include "routes.hpp"

#include <gtest/gtest.h>

namespace shop::serve {
namespace {

TEST(Routes, ResponseFramingForGetHeadAndClose) {
  Reply reply;
  reply.body = R"({"a": 1})";
  Framing framing;
  framing.date = "Tue, 01 Dec 2026 12:46:04 GMT";
  std::string out;
  append_response(out, reply, framing);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nServer: shop-serve\r\nDate: Tue, 01 Dec 2026 12:46:04 GMT\r\n"
            "X-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'\r\n"
            "Content-Type: application/json\r\nCache-Control: no-store\r\nContent-Length: 8\r\n\r\n{\"a\": 1}");
  // HEAD: the same Content-Length, no body.
  out.clear();
  framing.head = true;
  append_response(out, reply, framing);
  EXPECT_TRUE(out.ends_with("Content-Length: 8\r\n\r\n")) << out;
  // Closing, and an HTTP/1.0 client kept alive.
  out.clear();
  framing = {false, false, false, "d"};
  append_response(out, reply, framing);
  EXPECT_NE(out.find("\r\nConnection: close\r\n"), std::string::npos);
  out.clear();
  framing = {false, true, true, "d"};
  append_response(out, reply, framing);
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos);
}

TEST(Routes, OverCapacitySaysWhenToComeBack) {  // RFC 9110 sections 15.6.4 and 10.2.3
  Reply reply = error_reply(503, "too many connections");
  reply.retry_after_seconds = 5;
  Framing framing;
  framing.keep_alive = false;
  std::string out;
  append_response(out, reply, framing);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << out;
  EXPECT_NE(out.find("\r\nRetry-After: 5\r\nConnection: close\r\n"), std::string::npos) << out;
  out.clear();
  append_response(out, error_reply(501, "x"), framing);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 501 Not Implemented\r\n")) << out;
  EXPECT_EQ(out.find("Retry-After"), std::string::npos) << out;
}

TEST(Routes, ErrorBodiesAreValidUtf8Json) {
  EXPECT_EQ(error_reply(404, "no view named '\xff\x01'").body, "{\"error\": \"no view named '\\ufffd\\u0001'\"}");
}

TEST(Routes, MethodNotAllowedSaysWhatIs) {
  ViewHub hub("g", 1 << 20);
  const Assets assets("");
  const ServerCounters counters;
  const Router router(hub, assets, counters);
  const Reply reply = router.route("POST", "/", "");
  EXPECT_EQ(reply.status, 405U);
  std::string out;
  append_response(out, reply, Framing{});
  EXPECT_TRUE(out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << out;
  EXPECT_NE(out.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos);
}

TEST(Routes, OnlyTheListedPaths) {
  ViewHub hub("g", 1 << 20);
  hub.add_view("inventory_status", "item_id");
  const Assets assets("");
  const ServerCounters counters;
  const Router router(hub, assets, counters);
  EXPECT_EQ(router.route("GET", "/", "").status, 200U);
  EXPECT_EQ(router.route("HEAD", "/products/42", "").status, 200U);
  EXPECT_EQ(router.route("GET", "/assets/chart.min.js", "").status, 200U);
  EXPECT_EQ(router.route("GET", "/metrics", "").status, 200U);
  EXPECT_EQ(router.route("GET", "/healthz", "").status, 503U);              // no snapshot yet
  EXPECT_EQ(router.route("GET", "/api/views/inventory_status", "").status, 503U);
  EXPECT_EQ(router.route("GET", "/api/items/1", "").status, 503U);
  EXPECT_EQ(router.route("GET", "/api/views/other", "").status, 404U);
  EXPECT_EQ(router.route("GET", "/api/changes?views=,", "").status, 400U);
  EXPECT_EQ(router.route("GET", "/api/changes?views=inventory_status,nope", "").status, 404U);
  EXPECT_EQ(router.route("GET", "/api/views/inventory_status/changes", "").stream_views.size(), 1U);
  const Reply item_stream = router.route("GET", "/api/items/42/changes", "x-inventory_status/42:1");
  ASSERT_EQ(item_stream.stream_views.size(), 1U);
  EXPECT_EQ(item_stream.stream_key, "42");
  EXPECT_FALSE(item_stream.resume);  // another process's id
  EXPECT_EQ(router.route("GET", "/api/views/inventory_status/changes", "").stream_key, std::nullopt);
  EXPECT_EQ(router.route("GET", "/api/items/x/changes", "").status, 404U);
  for (const char* path : {"/products/x", "/products/1/2", "/assets/../serve.cpp", "/assets/%2e%2e%2fserve.cpp",
                           "/index.html", "/api", "/api/items", "/etc/passwd", "/healthz/x"}) {
    EXPECT_EQ(router.route("GET", path, "").status, 404U) << path;
  }
}

TEST(Routes, HttpDate) { EXPECT_EQ(http_date(1796128564), "Tue, 01 Dec 2026 12:36:04 GMT"); }

}  // namespace
}  // namespace shop::serve
