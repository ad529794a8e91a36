#pragma once
// The network side: Boost.Asio and Boost.Beast (libboost-dev) on one thread. Every
// connection is a few hundred bytes of state and a pending asynchronous operation, not a
// thread, so a thousand event-stream clients that stay connected for hours cost little
// (bench/serve.sh); and one thread owns every view (view_hub.hpp), so nothing is locked.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <ctime>
#include <string>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "routes.hpp"
#include "view_hub.hpp"

namespace shop::serve {

struct ServerSettings {
  boost::asio::ip::tcp::endpoint listen;
  size_t client_buffer_bytes = size_t{1} << 20;  // per event-stream client
  std::chrono::nanoseconds heartbeat{std::chrono::seconds(15)};
  size_t header_limit_bytes = 8 * 1024;
  // A connection that has not sent a complete request header for this long (idle
  // keep-alive, or slow: the deadline is for the whole header) is closed.
  std::chrono::nanoseconds idle_timeout{std::chrono::seconds(30)};
  std::chrono::seconds shutdown_grace{2};  // on stop: time for the streams' last writes
  // Client connections served at once, event streams included (connection_limit.hpp);
  // past it, k_overflow_connections more are answered 503 but /healthz and /metrics.
  size_t max_connections = 1000;
};

class HttpSession;
class EventStreamSession;
class ConnectionSlot;

class HttpServer {
 public:
  // Binds and listens at once (throws Error naming the address when it cannot).
  HttpServer(boost::asio::io_context& io, ViewHub& hub, const Assets& assets, ServerSettings settings);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  // Closes the listener, ends every stream and connection; io.run() then returns.
  void stop();

  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
  [[nodiscard]] const ServerCounters& counters() const noexcept { return m_counters; }

 private:
  friend class HttpSession;
  friend class EventStreamSession;
  friend class ConnectionSlot;
  void accept();
  void release_slot(bool overflow);
  void heartbeat();
  void start_stream(boost::asio::ip::tcp::socket socket, ConnectionSlot slot, const Reply& reply, bool head_only);
  void stream_closed(EventStreamSession* session, bool too_slow);
  // The Date header's value, formatted once a second.
  std::string_view date();

  boost::asio::io_context& m_io;
  ViewHub& m_hub;
  ServerSettings m_settings;
  ServerCounters m_counters;
  Router m_router;
  boost::asio::ip::tcp::acceptor m_acceptor;
  boost::asio::steady_timer m_heartbeat_timer;
  boost::asio::steady_timer m_shutdown_timer;  // ends streams whose client does not read
  boost::asio::steady_timer m_accept_timer;    // a pause after a failed accept
  bool m_accept_failing = false;
  bool m_accept_paused = false;  // at --max-connections and the overflow: until one closes
  size_t m_overflow = 0;         // overflow connections open (connection_limit.hpp)
  std::time_t m_date_time = 0;
  std::string m_date;
  bool m_stopping = false;
  std::unordered_set<HttpSession*> m_sessions;  // alive ones, to close them on stop()
  std::unordered_map<EventStreamSession*, std::shared_ptr<EventStreamSession>> m_streams;
};

}  // namespace shop::serve
