#pragma once
// What waits to be written to one event-stream client, with a limit: a client that
// reads slower than events come would otherwise hold every event since it fell behind.
// Past the limit the caller disconnects it (counted in /metrics); the others never
// wait for it, since each client has its own queue and writes on its own.
// Events are shared, not copied: one change reaches 1,000 clients as one string.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace shop::serve {

using SharedText = std::shared_ptr<const std::string>;

class SendQueue {
 public:
  explicit SendQueue(size_t limit_bytes) : m_limit(limit_bytes) {}

  // Queues `text`; false when the client is too slow: the bytes queued and in flight
  // would pass the limit. One text larger than the limit is taken while nothing else
  // waits (a large snapshot must reach a client that keeps up).
  [[nodiscard]] bool push(SharedText text) {
    const size_t total = m_waiting_bytes + m_in_flight_bytes;
    if (total > 0 && total + text->size() > m_limit) return false;
    m_waiting_bytes += text->size();
    m_waiting.push_back(std::move(text));
    return true;
  }

  // Starts a write of everything waiting: the texts stay owned here (and counted) until
  // written(). Empty when nothing waits or a write is still in flight.
  [[nodiscard]] const std::vector<SharedText>& start_write() {
    static const std::vector<SharedText> k_none;
    if (writing() || m_waiting.empty()) return k_none;
    m_in_flight.swap(m_waiting);
    m_in_flight_bytes = m_waiting_bytes;
    m_waiting_bytes = 0;
    return m_in_flight;
  }
  // The write started last is done.
  void written() {
    m_in_flight.clear();
    m_in_flight_bytes = 0;
  }

  [[nodiscard]] bool writing() const noexcept { return !m_in_flight.empty(); }
  [[nodiscard]] bool idle() const noexcept { return m_in_flight.empty() && m_waiting.empty(); }
  [[nodiscard]] size_t bytes() const noexcept { return m_waiting_bytes + m_in_flight_bytes; }

 private:
  size_t m_limit;
  std::vector<SharedText> m_waiting;
  size_t m_waiting_bytes = 0;
  std::vector<SharedText> m_in_flight;
  size_t m_in_flight_bytes = 0;
};

}  // namespace shop::serve
