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

  // Queues `text`; false when the client is too slow: the bytes it has not yet taken
  // would pass the limit. One text larger than the limit is taken while nothing else
  // counts against it. `start`: what a client starts with (the response's header, its
  // snapshots, however large the view) is taken whatever its size and does not count.
  [[nodiscard]] bool push(SharedText text, bool start = false) {
    if (!start) {
      if (m_counted_bytes > 0 && m_counted_bytes + text->size() > m_limit) return false;
      m_counted_bytes += text->size();
    }
    m_waiting.push_back({std::move(text), start});
    return true;
  }

  // Starts a write of everything waiting: the texts stay owned here (and counted) until
  // written(). Empty when nothing waits or a write is still in flight.
  [[nodiscard]] const std::vector<SharedText>& start_write() {
    m_in_flight_texts.clear();
    if (writing() || m_waiting.empty()) return m_in_flight_texts;
    m_in_flight.swap(m_waiting);
    for (const auto& entry : m_in_flight) m_in_flight_texts.push_back(entry.text);
    return m_in_flight_texts;
  }
  // The write started last is done.
  void written() {
    for (const auto& entry : m_in_flight) {
      if (!entry.start) m_counted_bytes -= entry.text->size();
    }
    m_in_flight.clear();
    m_in_flight_texts.clear();
  }

  [[nodiscard]] bool writing() const noexcept { return !m_in_flight.empty(); }
  [[nodiscard]] bool idle() const noexcept { return m_in_flight.empty() && m_waiting.empty(); }
  // The bytes that count against the limit (waiting and in flight).
  [[nodiscard]] size_t counted_bytes() const noexcept { return m_counted_bytes; }

 private:
  struct Entry {
    SharedText text;
    bool start;
  };
  size_t m_limit;
  size_t m_counted_bytes = 0;
  std::vector<Entry> m_waiting;
  std::vector<Entry> m_in_flight;
  std::vector<SharedText> m_in_flight_texts;  // the buffers of the write in flight
};

}  // namespace shop::serve
