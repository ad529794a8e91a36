#include "serve.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include <exception>
#include <mutex>
#include <random>
#include <thread>

#include "assets.hpp"
#include "connection_limit.hpp"
#include "core/change_source.hpp"
#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/postgres.hpp"
#include "core/signals.hpp"
#include "http_server.hpp"
#include "routes.hpp"
#include "view_hub.hpp"

namespace shop::serve {
namespace {

namespace asio = boost::asio;

// What a view's source produces, handed to the I/O thread that owns the views. Changes
// are posted a batch (one end_changes()) at a time.
class PostingSink final : public Sink {
 public:
  PostingSink(asio::io_context& io, ViewHub& hub, ViewFeed& view) : m_io(io), m_hub(hub), m_view(view) {}

  void columns(const std::vector<ColumnInfo>& columns) override {
    asio::post(m_io, [this, columns] { m_hub.columns(m_view, columns); });
  }
  void change(const std::string& timestamp, int64_t diff, std::string_view row) override {
    m_pending.push_back({timestamp, diff, Row(row)});
  }
  void end_changes() override {
    if (m_pending.empty()) return;
    asio::post(m_io, [this, changes = std::move(m_pending)] { m_hub.changes(m_view, changes); });
    m_pending.clear();
  }
  void keyed_changes(const std::vector<KeyedChange>& /*changes*/) override {}  // views are followed without --key
  void progress(const std::string& timestamp) override {
    asio::post(m_io, [this, timestamp] { m_hub.progress(m_view, timestamp); });
  }
  void status(const std::string& text) override {
    asio::post(m_io, [this, text] { m_hub.status(m_view, text); });
  }
  [[nodiscard]] bool done() const override { return false; }

 private:
  asio::io_context& m_io;
  ViewHub& m_hub;
  ViewFeed& m_view;
  std::vector<Change> m_pending;
};

asio::ip::tcp::endpoint parse_listen(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) throw UsageError(fmt::format("--listen: '{}' is not ADDRESS:PORT", text));
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (port_text.empty() || port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535) {
    throw UsageError(fmt::format("--listen: '{}' is not a port (0 to 65535)", port_text));
  }
  boost::system::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error) throw UsageError(fmt::format("--listen: '{}' is not an IP address (e.g. 127.0.0.1, [::1], 0.0.0.0)", host));
  return {address, static_cast<unsigned short>(std::stoul(port_text))};
}

// This process's event-id generation (event_stream.hpp): ids from another run of
// shop-serve are never taken for ours.
std::string make_generation() {
  std::random_device device;
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return fmt::format("{:x}", (static_cast<uint64_t>(device()) << 32 ^ static_cast<uint64_t>(now)) & 0xFFFFFFFFFFFF);
}

// Every view of --views exists, checked before "serving" is printed: each SELECT is
// prepared, not run (the extended protocol's Parse). Materialize answers a Parse with
// ParseComplete or the error of preparing it, a name it cannot resolve included, and
// runs a statement only when its portal is executed (MaterializeInc/materialize
// src/pgwire/src/protocol.rs: `parse` calls adapter_client.prepare; `execute` runs a
// NotStarted portal). The stand-in's collections are no relations, so not with one.
void check_views_exist(PGconn* connection, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const PgResult prepared(PQprepare(connection, "", query_for(name).c_str(), 0, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      throw Error(fmt::format("--views: cannot serve {} ({})", name,
                              connection_failure_text(PQresultErrorMessage(prepared.get()))));
    }
  }
}

// The pages' header names where their data comes from and how ("live from ..."): the
// server as it answers (Materialize, or PostgreSQL and its version) and the mode. One
// connection at start, which also checks the views; when it fails, the sources' own
// connections report why (with --retry-for).
std::string describe_source(const SourceSettings& settings, bool standin, const std::vector<std::string>& names) {
  std::string server = "a PostgreSQL-wire server";
  PgConnection connection;
  try {
    connection = connect_postgres(settings.conninfo);
  } catch (const Error&) {  // NOLINT(bugprone-empty-catch): the sources say why, with retries
  }
  if (connection) {
    if (!standin) check_views_exist(connection.get(), names);
    if (is_materialize(connection.get())) {
      server = "Materialize";
    } else if (const char* version = PQparameterStatus(connection.get(), "server_version"); version != nullptr) {
      // "15.8 (Debian 15.8-0+deb12u1)": the version number is enough for a header.
      std::string number(version);
      server = "PostgreSQL " + number.substr(0, number.find(' '));
    }
  }
  if (settings.mode == SourceMode::subscribe) {
    return standin ? server + ", through a SUBSCRIBE stand-in" : server + ", SUBSCRIBE";
  }
  return fmt::format("{}, polled every {}", server, format_duration(settings.interval));
}

}  // namespace

void add_options(CLI::App& app, Options& options) {
  app.add_option("--listen", options.listen,
                 "Address and port to serve on; 0.0.0.0:8080 serves every interface (port 0: any free one)")
      ->type_name("ADDR:PORT");
  add_postgres_url_option(app, options.url);
  add_source_mode_option(app, options.mode, "each view");
  app.add_option("--interval", options.interval, "Poll mode: re-read each view this often")->type_name("D");
  app.add_option("--views", options.views, "The views to serve (one subscription each, however many clients)")
      ->type_name("NAME,...");
  app.add_option("--assets", options.assets,
                 "Serve the pages' files from this directory first (default: the ones built in)")
      ->type_name("DIR");
  app.add_option("--client-buffer", options.client_buffer,
                 "Bytes an event-stream client may fall behind before it is disconnected")
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--history", options.history,
                 "Bytes of recent change events kept per view, so a client that reconnects (Last-Event-ID) "
                 "gets only what it missed")
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--heartbeat", options.heartbeat, "Event streams: a comment this often keeps idle streams open")
      ->type_name("D");
  app.add_option("--max-connections", options.max_connections,
                 "Client connections served at once, event streams included; past it a client gets "
                 "503 Service Unavailable (/healthz and /metrics still answer). Default: the open files "
                 "limit (raised to its hard limit) less room for the database connections and files")
      ->transform(whole_number())
      ->check(CLI::Validator(
          [](const std::string& text) { return text == "0" ? std::string("must be at least 1") : std::string(); },
          "", "at least 1"))
      ->type_name("N")
      ->default_str("");
  app.add_option("--idle-timeout", options.idle_timeout,
                 "Close a connection that has not sent a complete request header for this long")
      ->type_name("D");
  add_retry_for_option(app, options.retry_for);
  app.get_option("--retry-for")
      ->description("After a lost connection, give up (exit 1) after this long; the first connection must succeed");
  app.add_option("--subscribe-standin", options.subscribe_standin,
                 "Testing: send each DECLARE and FETCH to this PostgreSQL function standing in for SUBSCRIBE")
      ->group("");
  add_verbosity_flags(app, options.report);
  app.footer(
      "Endpoints: / (dashboard), /products/ID, /assets/NAME, /api/views/NAME, /api/views/NAME/changes\n"
      "(text/event-stream), /api/changes?views=A,B, /api/items/ID, /api/items/ID/changes (that item's\n"
      "rows only), /healthz, /metrics. GET and HEAD only.\n"
      "The dashboard needs the six default views, the product page inventory_status.");
}

int run(const Options& options, const Environment& env) {
  install_signal_handlers();
  apply_verbosity(options.report);
  const auto listen = parse_listen(options.listen);
  const std::vector<std::string> names = split_comma_list(options.views);
  if (names.empty()) throw UsageError("--views: name at least one view");
  for (const auto& name : names) {
    if (!is_view_name(name)) throw UsageError(fmt::format("--views: '{}' is not a view's name", name));
  }
  SourceSettings base;
  base.conninfo = resolve_postgres_url(options.url, env).value;
  base.interval = parse_duration(options.interval, "--interval");
  if (base.interval <= std::chrono::nanoseconds::zero()) throw UsageError("--interval: must be greater than 0");
  base.retry_for = parse_duration(options.retry_for, "--retry-for");
  base.standin_function = options.subscribe_standin;
  ServerSettings server_settings;
  server_settings.listen = listen;
  server_settings.client_buffer_bytes = options.client_buffer;
  server_settings.heartbeat = parse_duration(options.heartbeat, "--heartbeat");
  if (server_settings.heartbeat <= std::chrono::nanoseconds::zero()) {
    throw UsageError("--heartbeat: must be greater than 0");
  }
  if (options.client_buffer == 0) throw UsageError("--client-buffer: must be greater than 0");
  server_settings.idle_timeout = parse_duration(options.idle_timeout, "--idle-timeout");
  if (server_settings.idle_timeout <= std::chrono::nanoseconds::zero()) {
    throw UsageError("--idle-timeout: must be greater than 0");
  }
  // Every client is a descriptor: the most the limit allows, and clients capped below it.
  const size_t open_files = raise_open_files_limit();
  const size_t fitting = default_max_connections(open_files, names.size());
  server_settings.max_connections = options.max_connections != 0 ? options.max_connections : fitting;
  if (options.max_connections > fitting) {
    print_warning(fmt::format("--max-connections {} is over what the open files limit ({}) leaves room for ({}): "
                              "past that, clients may get no answer",
                              options.max_connections, open_files, fitting));
  }
  const Assets assets(options.assets);
  base.mode = resolve_source_mode(options.mode, base.conninfo, !options.subscribe_standin.empty());

  asio::io_context io(1);
  // Materialize reports progress about once a second; poll mode once per --interval.
  const auto progress_every = base.mode == SourceMode::subscribe
                                  ? std::chrono::milliseconds(1000)
                                  : std::chrono::duration_cast<std::chrono::milliseconds>(base.interval);
  ViewHub hub(make_generation(), options.history, progress_every);
  hub.set_source_description(describe_source(base, !options.subscribe_standin.empty(), names));
  for (const auto& name : names) {
    if (hub.find(name) == nullptr) hub.add_view(name, name == k_items_view ? std::string(k_items_key) : std::string());
  }
  HttpServer server(io, hub, assets, server_settings);
  const auto bound = server.local_endpoint();
  info("serving {} view(s) from {} ({} mode) on http://{}:{}/", hub.views().size(),
       describe_postgres_target(base.conninfo), base.mode == SourceMode::subscribe ? "subscribe" : "poll",
       bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string(), bound.port());

  // One source thread per view. The first failure (a view that does not exist, no
  // connection for --retry-for) stops the server with its message.
  std::mutex failure_mutex;
  std::exception_ptr failure;
  std::vector<std::unique_ptr<PostingSink>> sinks;
  std::vector<std::thread> sources;
  for (const auto& view : hub.views()) {
    SourceSettings settings = base;
    settings.query = query_for(view->name());
    sinks.push_back(std::make_unique<PostingSink>(io, hub, *view));
    sources.emplace_back([&, settings, sink = sinks.back().get(), feed = view.get()] {
      try {
        run_source(settings, *sink);
        // A subscription that ended (its inputs are constant): what it has is complete.
        asio::post(io, [&hub, feed] {
          if (!feed->ready()) hub.progress(*feed, feed->timestamp());
        });
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        request_stop();
      }
    });
  }

  server.start();
  // Signals only set a flag (core/signals.hpp); the I/O thread looks at it often.
  asio::steady_timer stop_check(io);
  std::function<void()> check_stop = [&] {
    stop_check.expires_after(std::chrono::milliseconds(50));
    stop_check.async_wait([&](boost::system::error_code error) {
      if (error) return;
      if (stop_requested()) {
        server.stop();
        return;
      }
      check_stop();
    });
  };
  check_stop();
  // Staleness, by the pages' rule, checked once a second: a view that stops progressing
  // while its source still looks connected gets a "stale" status event (and back).
  asio::steady_timer stale_check(io);
  std::function<void()> check_stale = [&] {
    stale_check.expires_after(std::chrono::seconds(1));
    stale_check.async_wait([&](boost::system::error_code error) {
      if (error || stop_requested()) return;
      hub.check_staleness(std::chrono::steady_clock::now());
      check_stale();
    });
  };
  check_stale();
  std::exception_ptr server_failure;
  try {
    io.run();
  } catch (...) {
    // A handler failed: the sources must still be stopped and joined before leaving.
    server_failure = std::current_exception();
  }
  request_stop();
  for (auto& source : sources) source.join();
  if (server_failure) std::rethrow_exception(server_failure);

  const auto& counters = server.counters();
  info("served {} request(s) and {} event stream(s) ({} dropped as too slow), {} event(s) sent", counters.requests,
       counters.stream_clients_total, counters.slow_clients_dropped, hub.events_sent());
  if (failure) std::rethrow_exception(failure);
  return 0;
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "serve", "The shop's views over HTTP: JSON, change streams, a live dashboard and product pages", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options); });
}

}  // namespace shop::serve
