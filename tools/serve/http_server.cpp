#include "http_server.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

#include "connection_limit.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "event_stream.hpp"
#include "request_checks.hpp"
#include "request_target.hpp"
#include "send_queue.hpp"

namespace shop::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// A client connection counted against --max-connections (or one of the overflow ones)
// for as long as this lives; it moves with the socket from an HttpSession to the
// EventStreamSession that takes the connection over.
class ConnectionSlot {
 public:
  ConnectionSlot(HttpServer& server, bool overflow) : m_server(&server), m_overflow(overflow) {
    if (overflow) {
      ++server.m_overflow;
    } else {
      ++server.m_counters.connections;
    }
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : m_server(std::exchange(other.m_server, nullptr)), m_overflow(other.m_overflow) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (m_server != nullptr) m_server->release_slot(m_overflow);
  }
  [[nodiscard]] bool overflow() const noexcept { return m_overflow; }

 private:
  HttpServer* m_server;
  bool m_overflow;
};

// One event-stream client: the response's header, then events as they come, until the
// client goes away, is too slow, or the server stops.
class EventStreamSession final : public StreamClient, public std::enable_shared_from_this<EventStreamSession> {
 public:
  EventStreamSession(HttpServer& server, tcp::socket socket, ConnectionSlot slot)
      : m_server(server),
        m_socket(std::move(socket)),
        m_slot(std::move(slot)),
        m_queue(server.m_settings.client_buffer_bytes) {}

  void start(const Reply& reply, bool head_only) {
    // No Content-Length and no chunking: the stream's body ends when the connection does.
    std::string header = "HTTP/1.1 200 OK\r\n";
    append_common_headers(header, m_server.date());
    header += "Content-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\n"
              "Connection: close\r\n\r\n";
    if (head_only) {
      send(std::make_shared<const std::string>(std::move(header)), true);
      close_after_writes();
      return;
    }
    // How long the browser waits before it reconnects (the standard's "retry" field).
    header += "retry: 2000\n\n";
    // The header and what the client starts from (snapshots or the missed events) are
    // queued whatever their size; the limit applies to what comes after.
    send(std::make_shared<const std::string>(std::move(header)), true);
    m_subscribed = true;  // before: a client dropped during subscribe() unsubscribes
    m_server.m_hub.subscribe(*this, reply.stream_views, reply.resume, reply.stream_key);
    watch_for_close();
  }

  void send(const SharedText& event, bool start) override {
    // Closing (a HEAD, or the server stopping) sends what is queued and nothing more: a
    // heartbeat due while a HEAD's header was still being written went out as its body.
    if (m_closed || m_closing) return;
    if (!m_queue.push(event, start)) {
      debug("event-stream client {} dropped: over --client-buffer", m_peer);
      close(true);
      return;
    }
    write();
  }

  // The server is stopping: send what is queued, then close.
  void close_after_writes() {
    m_closing = true;
    if (m_queue.idle()) close(false);
  }

  void close(bool too_slow) {
    if (m_closed) return;
    m_closed = true;
    if (m_subscribed) m_server.m_hub.unsubscribe(*this);
    boost::system::error_code ignored;
    m_socket.shutdown(tcp::socket::shutdown_both, ignored);
    m_socket.close(ignored);
    m_server.stream_closed(this, too_slow);  // may destroy this once no handler holds it
  }

  void set_peer(std::string peer) { m_peer = std::move(peer); }

 private:
  void write() {
    if (m_queue.writing() || m_closed) return;
    const auto& texts = m_queue.start_write();
    if (texts.empty()) return;
    m_buffers.clear();
    for (const auto& text : texts) m_buffers.emplace_back(text->data(), text->size());
    asio::async_write(m_socket, m_buffers, [self = shared_from_this()](boost::system::error_code error, size_t) {
      self->m_queue.written();
      if (error) {
        self->close(false);
        return;
      }
      if (self->m_closing && self->m_queue.idle()) {
        self->close(false);
        return;
      }
      self->write();
    });
  }

  // A client says nothing after its request; a read that completes means it closed
  // (or broke the protocol): either way the stream ends.
  void watch_for_close() {
    m_socket.async_read_some(asio::buffer(m_discard), [self = shared_from_this()](boost::system::error_code error, size_t) {
      if (error || self->m_closed) {
        self->close(false);
        return;
      }
      self->watch_for_close();
    });
  }

  HttpServer& m_server;
  tcp::socket m_socket;
  ConnectionSlot m_slot;
  SendQueue m_queue;
  std::vector<asio::const_buffer> m_buffers;
  std::array<char, 512> m_discard{};
  std::string m_peer;
  bool m_subscribed = false;
  bool m_closing = false;
  bool m_closed = false;
};

// One HTTP/1.1 connection: requests one after another (keep-alive) until the client
// closes it, sends something wrong, asks for an event stream (the socket moves to an
// EventStreamSession) or stays idle past the timeout. An overflow connection (past
// --max-connections) gets one answer: /healthz and /metrics as usual, else 503.
class HttpSession final : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer& server, tcp::socket socket, ConnectionSlot slot)
      : m_server(server), m_stream(std::move(socket)), m_slot(std::move(slot)) {
    m_server.m_sessions.insert(this);
  }
  ~HttpSession() { m_server.m_sessions.erase(this); }

  void start() { read(); }
  void close() {
    boost::system::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    m_stream.close();
  }

  // After an answer to a request that was refused mid-way (its header too large, a
  // body): closing with its bytes unread would make the kernel reset the connection,
  // and the client might never see the answer. So: end our side, read what is left
  // (a second at most), then close.
  void close_gracefully() {
    boost::system::error_code ignored;
    m_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    m_stream.expires_after(std::chrono::seconds(1));
    m_stream.async_read_some(asio::buffer(m_drain), [self = shared_from_this()](beast::error_code error, size_t) {
      if (error) {
        self->close();
        return;
      }
      self->close_gracefully();
    });
  }

 private:
  // Reads the header only: no route takes a body, so a request that announces one is
  // answered from its header (on_read) and its body never read.
  void read() {
    m_parser.emplace();
    m_parser->header_limit(static_cast<uint32_t>(m_server.m_settings.header_limit_bytes));
    // An overflow connection is for a quick answer, not for waiting.
    const auto timeout = m_slot.overflow() ? std::min<std::chrono::nanoseconds>(m_server.m_settings.idle_timeout,
                                                                                  std::chrono::seconds(2))
                                           : m_server.m_settings.idle_timeout;
    m_stream.expires_after(timeout);
    http::async_read_header(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code error, size_t) {
      self->on_read(error);
    });
  }

  void on_read(beast::error_code error) {
    if (error == http::error::end_of_stream || error == asio::error::operation_aborted ||
        error == beast::error::timeout || error == asio::error::connection_reset || m_server.m_stopping) {
      close();
      return;
    }
    if (error == http::error::header_limit) {
      reply_and_close(error_reply(431, fmt::format("the request's header is over {} bytes",
                                                   m_server.m_settings.header_limit_bytes)));
      return;
    }
    if (error) {
      // A malformed request (bad request line, header or version), or the client left mid-request.
      if (error != http::error::partial_message) reply_and_close(error_reply(400, "malformed request"));
      else close();
      return;
    }
    const auto& request = m_parser->get();
    if (auto refusal = check_request_header(request)) {
      reply_and_close(error_reply(refusal->status, refusal->message));
      return;
    }
    const std::string_view method = request.method_string();
    const bool head = request.method() == http::verb::head;
    if (!m_parser->is_done()) {
      // A body follows (Content-Length or chunked) and no route takes one: the final
      // status at once, from the header alone, the body never read. RFC 9110 section
      // 10.1.1: a server that receives "Expect: 100-continue" "MUST either send an
      // immediate response with a final status code, if that status can be determined by
      // examining just the method, target URI, and header fields, or send an immediate
      // 100 (Continue) response"; without Expect, answering before the body is as right.
      // The connection then closes ("Connection: close", RFC 9112 section 9.6).
      if (request.method() != http::verb::get && !head) {
        reply_and_close(m_server.m_router.route(method, "/", ""));  // 405, like any other
      } else {
        reply_and_close(error_reply(413, "a request body is not accepted"));
      }
      return;
    }
    if (m_slot.overflow() && !is_server_state(request.target())) {
      refuse_over_capacity(head, request.version());
      return;
    }
    const auto last_event_id = request.find("Last-Event-ID");
    Reply reply = m_server.m_router.route(
        method, request.target(),
        last_event_id == request.end() ? std::string_view() : std::string_view(last_event_id->value()));
    ++m_server.m_counters.requests;
    if (reply.status >= 400 && reply.status < 500) ++m_server.m_counters.refused_requests;
    if (reply.status == 200 && !reply.stream_views.empty()) {
      m_stream.expires_never();
      m_server.start_stream(m_stream.release_socket(), std::move(m_slot), reply, head);
      return;
    }
    respond(reply, head, request.keep_alive() && !m_slot.overflow(), request.version());
  }

  // What an overflow connection is still answered: the server's own state.
  static bool is_server_state(std::string_view target) {
    const auto parsed = parse_request_target(target);
    return parsed && parsed->segments.size() == 1 &&
           (parsed->segments[0] == "healthz" || parsed->segments[0] == "metrics");
  }

  // RFC 9110 section 15.6.4: 503, "the server is currently unable to handle the request
  // due to a temporary overload", with Retry-After (section 10.2.3); the connection closes.
  void refuse_over_capacity(bool head, unsigned version) {
    ++m_server.m_counters.requests;
    ++m_server.m_counters.over_capacity;
    Reply reply = error_reply(503, fmt::format("too many connections (--max-connections {}): try again later",
                                               m_server.m_settings.max_connections));
    reply.retry_after_seconds = 5;
    respond(reply, head, false, version);
  }

  void respond(const Reply& reply, bool head, bool keep_alive, unsigned version) {
    Framing framing;
    framing.head = head;
    framing.keep_alive = keep_alive && !m_server.m_stopping;
    framing.http10 = version == 10;
    framing.date = m_server.date();
    m_keep_alive = framing.keep_alive;
    m_out.clear();
    append_response(m_out, reply, framing);
    m_stream.expires_after(m_server.m_settings.idle_timeout);
    asio::async_write(m_stream, asio::buffer(m_out), [self = shared_from_this()](beast::error_code error, size_t) {
      if (!error && self->m_keep_alive) {
        self->read();
      } else if (!error && self->m_refused_mid_request) {
        self->close_gracefully();
      } else {
        self->close();
      }
    });
  }

  void reply_and_close(Reply reply) {
    ++m_server.m_counters.requests;
    if (reply.status >= 400 && reply.status < 500) ++m_server.m_counters.refused_requests;
    m_refused_mid_request = true;
    respond(reply, false, false, 11);
  }

  HttpServer& m_server;
  beast::tcp_stream m_stream;
  ConnectionSlot m_slot;
  beast::flat_buffer m_buffer;
  std::optional<http::request_parser<http::empty_body>> m_parser;
  std::string m_out;  // the response being written
  bool m_keep_alive = false;
  std::array<char, 4096> m_drain{};
  bool m_refused_mid_request = false;
};

HttpServer::HttpServer(asio::io_context& io, ViewHub& hub, const Assets& assets, ServerSettings settings)
    : m_io(io),
      m_hub(hub),
      m_settings(settings),
      m_router(hub, assets, m_counters),
      m_acceptor(io),
      m_heartbeat_timer(io),
      m_shutdown_timer(io),
      m_accept_timer(io) {
  const auto where = fmt::format("{}:{}", m_settings.listen.address().to_string(), m_settings.listen.port());
  boost::system::error_code error;
  m_acceptor.open(m_settings.listen.protocol(), error);
  if (!error) m_acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) m_acceptor.bind(m_settings.listen, error);
  if (!error) m_acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) throw Error(fmt::format("cannot listen on {} ({})", where, error.message()));
  m_counters.max_connections = m_settings.max_connections;
}

// The streams' slots go back as they are destroyed here: nothing may accept again.
HttpServer::~HttpServer() { m_stopping = true; }

tcp::endpoint HttpServer::local_endpoint() const { return m_acceptor.local_endpoint(); }

std::string_view HttpServer::date() {
  const std::time_t now = std::time(nullptr);
  if (now != m_date_time) {
    m_date_time = now;
    m_date = http_date(now);
  }
  return m_date;
}

void HttpServer::start() {
  accept();
  heartbeat();
}

void HttpServer::accept() {
  // At --max-connections and with every overflow connection taken, new clients wait in
  // the listener's backlog until a connection closes (release_slot()).
  if (m_counters.connections >= m_settings.max_connections && m_overflow >= k_overflow_connections) {
    m_accept_paused = true;
    return;
  }
  m_acceptor.async_accept([this](boost::system::error_code error, tcp::socket socket) {
    if (m_stopping) return;
    if (!error) {
      socket.set_option(tcp::no_delay(true), error);
      m_accept_failing = false;
      const bool overflow = m_counters.connections >= m_settings.max_connections;
      std::make_shared<HttpSession>(*this, std::move(socket), ConnectionSlot(*this, overflow))->start();
      accept();
      return;
    }
    // Out of file descriptors (or another failure): accepting again at once would spin
    // the one I/O thread; wait a little, and say so once per outage.
    if (!m_accept_failing) {
      print_warning(fmt::format("cannot accept connections ({}){}", error.message(),
                                error == asio::error::no_descriptors ? ": raise the open files limit (ulimit -n)" : ""));
    }
    m_accept_failing = true;
    m_accept_timer.expires_after(std::chrono::milliseconds(100));
    m_accept_timer.async_wait([this](boost::system::error_code wait_error) {
      if (!wait_error && !m_stopping) accept();
    });
  });
}

void HttpServer::release_slot(bool overflow) {
  if (overflow) {
    --m_overflow;
  } else {
    --m_counters.connections;
  }
  if (m_accept_paused && !m_stopping) {
    m_accept_paused = false;
    accept();
  }
}

void HttpServer::heartbeat() {
  m_heartbeat_timer.expires_after(m_settings.heartbeat);
  m_heartbeat_timer.async_wait([this](boost::system::error_code error) {
    if (error || m_stopping) return;
    std::string comment;
    append_comment(comment, "heartbeat");
    const auto text = std::make_shared<const std::string>(std::move(comment));
    std::vector<std::shared_ptr<EventStreamSession>> streams;
    streams.reserve(m_streams.size());
    for (const auto& [pointer, session] : m_streams) streams.push_back(session);
    for (const auto& session : streams) session->send(text, false);
    heartbeat();
  });
}

void HttpServer::start_stream(tcp::socket socket, ConnectionSlot slot, const Reply& reply, bool head_only) {
  if (m_stopping) return;
  boost::system::error_code error;
  const auto peer = socket.remote_endpoint(error);
  auto session = std::make_shared<EventStreamSession>(*this, std::move(socket), std::move(slot));
  if (!error) session->set_peer(fmt::format("{}:{}", peer.address().to_string(), peer.port()));
  m_streams.emplace(session.get(), session);
  ++m_counters.stream_clients;
  ++m_counters.stream_clients_total;
  session->start(reply, head_only);
}

void HttpServer::stream_closed(EventStreamSession* session, bool too_slow) {
  if (too_slow) ++m_counters.slow_clients_dropped;
  const auto found = m_streams.find(session);
  if (found == m_streams.end()) return;
  --m_counters.stream_clients;
  // Destroyed once its last pending handler lets go of it, not here inside its own call.
  asio::post(m_io, [keep = std::move(found->second)] {});
  m_streams.erase(found);
  if (m_stopping && m_streams.empty()) m_shutdown_timer.cancel();
}

void HttpServer::stop() {
  if (m_stopping) return;
  m_stopping = true;
  boost::system::error_code ignored;
  m_acceptor.close(ignored);
  m_heartbeat_timer.cancel();
  m_accept_timer.cancel();
  std::vector<std::shared_ptr<EventStreamSession>> streams;
  for (const auto& [pointer, session] : m_streams) streams.push_back(session);
  for (const auto& session : streams) session->close_after_writes();
  if (!m_streams.empty()) {
    m_shutdown_timer.expires_after(m_settings.shutdown_grace);
    m_shutdown_timer.async_wait([this](boost::system::error_code error) {
      if (error) return;
      std::vector<std::shared_ptr<EventStreamSession>> left;
      for (const auto& [pointer, session] : m_streams) left.push_back(session);
      for (const auto& session : left) session->close(false);
    });
  }
  const std::vector<HttpSession*> sessions(m_sessions.begin(), m_sessions.end());
  for (HttpSession* session : sessions) session->close();
}

}  // namespace shop::serve
