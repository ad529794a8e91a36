#pragma once
// shop-serve: the shop's views over HTTP, as JSON, as change streams, as a live
// dashboard and a storefront product page (routes.hpp lists the endpoints).
#include <cstdint>
#include <string>

#include "core/cli.hpp"
#include "core/settings.hpp"

namespace shop::serve {

// The demo's views the dashboard and the product page read (sql/materialize/04_views.sql).
inline constexpr const char* k_default_views =
    "order_trends_by_minute,top_items,conversion_funnel,conversion_funnel_overall,inventory_status,"
    "warehouse_orders_summary";

struct Options {
  std::string listen = "127.0.0.1:8080";
  std::string url;
  std::string mode = "auto";
  std::string interval = "1s";
  std::string views = k_default_views;
  std::string assets;
  uint64_t client_buffer = uint64_t{1} << 20;
  uint64_t history = uint64_t{4} << 20;
  std::string heartbeat = "15s";
  uint64_t max_connections = 0;  // 0: from the open files limit (connection_limit.hpp)
  std::string idle_timeout = "30s";
  std::string retry_for = "1h";
  std::string subscribe_standin;  // tests (hidden), as shop-watch's
  ReportOptions report;
};

void add_options(CLI::App& app, Options& options);
int run(const Options& options, const Environment& env = process_environment());
int run(int argc, const char* const* argv);

}  // namespace shop::serve
