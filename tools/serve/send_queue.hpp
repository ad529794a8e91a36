#pragma once
// What waits to be written to one event-stream client, with a limit: a client that
// reads slower than events come would otherwise hold every event since it fell behind.
// Past the limit the caller disconnects it (counted in /metrics); the others never
// wait for it, since each client has its own queue and writes on its own.
// Events are shared, not copied: one change reaches 1,000 clients as one string.
//
// The limit is on what waits behind the write in flight. That write holds at most what
// waited when it began, so a client costs at most about twice the limit. Bytes in
// flight do not count: on the one I/O thread a write's completion cannot run while a
// batch of changes is being fanned out, so counting them would drop fast clients too.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace shop::serve {

using SharedText = std::shared_ptr<const std::string>;

class SendQueue {
 public:
  explicit SendQueue(size_t limit_bytes) : m_limit(limit_bytes) {}

  // Queues `text`; false when the client is too slow: what waits would pass the limit.
  // One text larger than the limit is taken while nothing else counts against it.
  // `start`: what a client starts with (the response's header, its snapshots, however
  // large the view, the events it missed) is taken whatever its size and does not count.
  [[nodiscard]] bool push(SharedText text, bool start = false) {
    if (!start) {
      if (m_counted_bytes > 0 && m_counted_bytes + text->size() > m_limit) return false;
      m_counted_bytes += text->size();
    }
    m_waiting.push_back(std::move(text));
    return true;
  }

  // Starts a write of everything waiting: the texts stay owned here until written().
  // Empty when nothing waits or a write is still in flight.
  [[nodiscard]] const std::vector<SharedText>& start_write() {
    static const std::vector<SharedText> k_none;
    if (writing() || m_waiting.empty()) return k_none;
    m_in_flight.swap(m_waiting);
    m_counted_bytes = 0;
    return m_in_flight;
  }
  // The write started last is done.
  void written() { m_in_flight.clear(); }

  [[nodiscard]] bool writing() const noexcept { return !m_in_flight.empty(); }
  [[nodiscard]] bool idle() const noexcept { return m_in_flight.empty() && m_waiting.empty(); }
  // The bytes that count against the limit (waiting, not yet in a write).
  [[nodiscard]] size_t counted_bytes() const noexcept { return m_counted_bytes; }

 private:
  size_t m_limit;
  size_t m_counted_bytes = 0;
  std::vector<SharedText> m_waiting;
  std::vector<SharedText> m_in_flight;
};

}  // namespace shop::serve
