#pragma once
// A Kafka producer that accounts for every message (kcat's and librdkafka's
// examples/producer.c model): idempotent with acks=all unless -X says otherwise; a full
// local queue means waiting, never dropping; every message ends as delivered or failed,
// by its delivery report, and whatever a flush deadline leaves is purged and counted as
// failed with that reason.
//
// librdkafka's C API, not its C++ wrapper: only the C API has rd_kafka_produce_batch(),
// which reads the clock once per batch instead of twice per message, and its delivery
// callback involves no wrapper objects. At a million messages a second that is the
// difference between keeping up with kcat and not (bench/pageviews.sh).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <atomic>
#include <utility>
#include <vector>

#include "core/histogram.hpp"
#include "core/kafka_config.hpp"

namespace shop::pageviews {

using KafkaProperties = std::vector<KafkaProperty>;  // -F files, then -X

struct DeliveryStats {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  LatencyHistogram latency;                         // intended send time -> delivery report
  std::map<std::string, uint64_t> failure_reasons;  // broker's or librdkafka's reason -> count
};

class KafkaProducer {
 public:
  // Messages queued by add() before they are handed to librdkafka in one call.
  static constexpr size_t k_batch_messages = 256;
  // Bytes add() offers each message for its key and value together.
  static constexpr size_t k_message_room = 256;

  // Properties apply in order after the defaults (client.id, enable.idempotence=true,
  // acks=all, reconnect.backoff.max.ms=1000), then bootstrap.servers = `brokers` (from
  // `brokers_origin`). Throws UsageError naming the property librdkafka rejects and where
  // it came from, or librdkafka's complaint about the whole (e.g. a missing
  // ssl.ca.location file). No message, and no -v log line, shows a secret's value.
  KafkaProducer(const std::string& brokers, std::string_view brokers_origin, const KafkaProperties& properties,
                const std::string& topic);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Waits until a broker answers a metadata request for the topic. Throws Error (exit 1)
  // naming the brokers and librdkafka's last connection error once `timeout` passes, or
  // when a stop is requested meanwhile.
  void wait_until_reachable(std::chrono::nanoseconds timeout);

  // Adds one message to the pending batch (submitted when full), written in place:
  // `write(char* room)` puts the key and right after it the value into `room`
  // (k_message_room bytes) and returns {key size, value size}. Writing there directly
  // saves a copy per message. `intended` is when the message was due: latency is
  // measured from there. Returns false, without queueing it, only when a stop was
  // requested while waiting for room (backpressure).
  template <typename Write>
  bool add(Write&& write, std::chrono::steady_clock::time_point intended) {
    if (m_batch.size() == k_batch_messages && !submit()) return false;
    char* const room = m_batch_bytes.get() + m_slots_used * k_message_room;
    ++m_slots_used;
    const auto [key_size, value_size] = write(room);
    rd_kafka_message_t& message = m_batch.emplace_back();
    message.key = room;
    message.key_len = key_size;
    message.payload = room + key_size;
    message.len = value_size;
    message._private = to_opaque(intended);
    return true;
  }

  // Hands the pending batch to librdkafka. While its local queue is full it serves
  // delivery reports and retries, never dropping. Returns false when a stop was
  // requested while waiting; the messages not queued then are not counted as sent.
  bool submit();

  // Messages handed to librdkafka so far.
  [[nodiscard]] uint64_t queued() const noexcept { return m_queued.load(std::memory_order_relaxed); }
  // Messages handed and settled (delivered or failed), as atomics a second signal's
  // handler reads to say how many were not delivered (core/signals.hpp). One writer each
  // (the producing thread serves the reports too): plain stores, no locked instructions.
  [[nodiscard]] const std::atomic<uint64_t>& handed_counter() const noexcept { return m_queued; }
  [[nodiscard]] const std::atomic<uint64_t>& settled_counter() const noexcept { return m_settled; }

  // Serves delivery reports and events for up to `timeout` (returns early on any).
  void poll(std::chrono::milliseconds timeout) { serve(static_cast<int>(timeout.count())); }

  // Waits until every queued message has its delivery report, at most `timeout`, calling
  // `progress` about every 100 ms. Whatever is left is purged and counted as failed.
  // Returns the number purged.
  template <typename Progress>
  uint64_t flush(std::chrono::nanoseconds timeout, Progress&& progress) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (in_queue() > 0 && std::chrono::steady_clock::now() < deadline) {
      serve(100);
      progress();
    }
    return purge_remaining();
  }

  // Messages not yet reported (queued, in flight, or reports not yet served).
  [[nodiscard]] uint64_t in_queue() const { return static_cast<uint64_t>(rd_kafka_outq_len(m_handle.get())); }
  [[nodiscard]] const DeliveryStats& stats() const noexcept { return m_stats; }
  // Times the local queue was full and sending waited.
  [[nodiscard]] uint64_t backpressure_waits() const noexcept { return m_backpressure_waits; }
  // True after librdkafka reported all brokers down, until the next delivery.
  [[nodiscard]] bool brokers_down() const noexcept { return m_brokers_down; }
  // A fatal producer error (e.g. the idempotent producer lost its guarantees), or "".
  [[nodiscard]] const std::string& fatal_error() const noexcept { return m_fatal_error; }

 private:
  // The intended send time travels in the message's opaque pointer to its delivery report.
  static void* to_opaque(std::chrono::steady_clock::time_point time) noexcept {
    return reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr): a number, never dereferenced
        static_cast<uintptr_t>(time.time_since_epoch().count()));
  }
  struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const noexcept { rd_kafka_destroy(handle); }
  };
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* topic) const noexcept { rd_kafka_topic_destroy(topic); }
  };

  static void on_delivery(rd_kafka_t* handle, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t* handle, int error, const char* reason, void* opaque);
  static void on_log(const rd_kafka_t* handle, int level, const char* facility, const char* text);
  void record_delivery(const rd_kafka_message_t& message);
  uint64_t purge_remaining();
  // Serves delivery reports and events (librdkafka's poll), `timeout_ms` at most.
  void serve(int timeout_ms);

  std::string m_brokers;
  std::string m_topic_name;
  KafkaProperties m_properties;  // for redact_kafka_secrets() of what librdkafka says
  DeliveryStats m_stats;
  bool m_brokers_down = false;
  std::string m_fatal_error;
  std::string m_last_error;  // the newest error event, for "cannot reach" messages
  // Reports come in bursts (one per produce response): the clock is read once per 64 of
  // them, and at the start of each poll, instead of once each.
  uint32_t m_reports_in_burst = 0;
  std::chrono::steady_clock::time_point m_report_time{};
  // The pending batch, as librdkafka takes it; keys and values live in m_batch_bytes, one
  // k_message_room slot each, until the whole batch is queued (refused messages are
  // retried from the same slots).
  std::vector<rd_kafka_message_t> m_batch;
  std::unique_ptr<char[]> m_batch_bytes = std::make_unique<char[]>(k_batch_messages * k_message_room);
  size_t m_slots_used = 0;
  std::atomic<uint64_t> m_queued{0};
  std::atomic<uint64_t> m_settled{0};
  uint64_t m_backpressure_waits = 0;
  std::unique_ptr<rd_kafka_t, HandleDeleter> m_handle;
  std::unique_ptr<rd_kafka_topic_t, TopicDeleter> m_topic;
};

}  // namespace shop::pageviews
