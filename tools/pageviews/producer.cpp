#include "producer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/settings.hpp"
#include "core/signals.hpp"

namespace shop::pageviews {
namespace {

using Clock = std::chrono::steady_clock;

// The intended send time, back from a message's opaque pointer (KafkaProducer::to_opaque).
Clock::time_point from_opaque(void* opaque) noexcept {
  return Clock::time_point(Clock::duration(static_cast<Clock::rep>(reinterpret_cast<uintptr_t>(opaque))));
}

// librdkafka's error text is redacted too: for some properties it quotes the value
// ("Invalid value \"...\" for configuration property", src/rdkafka_conf.c).
void set_property(rd_kafka_conf_t* conf, const KafkaProperty& property, const KafkaProperties& all) {
  std::array<char, 512> error{};
  if (rd_kafka_conf_set(conf, property.key.c_str(), property.value.c_str(), error.data(), error.size()) !=
      RD_KAFKA_CONF_OK) {
    throw UsageError(fmt::format("{} {}: {}", property.origin, kafka_property_for_display(property.key, property.value),
                                 redact_kafka_secrets(error.data(), all)));
  }
}

}  // namespace

KafkaProducer::KafkaProducer(const std::string& brokers, std::string_view brokers_origin,
                             const KafkaProperties& properties, const std::string& topic)
    : m_brokers(brokers), m_topic_name(topic), m_properties(properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  try {
    const KafkaProperties defaults{
        {"client.id", "shop-pageviews", "default"},
        {"enable.idempotence", "true", "default"},
        {"acks", "all", "default"},
        // Back within a second of a broker returning (librdkafka's default backoff grows to 10 s).
        {"reconnect.backoff.max.ms", "1000", "default"},
    };
    for (const auto& property : defaults) set_property(conf, property, m_properties);
    for (const auto& property : properties) set_property(conf, property, m_properties);
    // Last: --brokers and $KAFKA_BROKERS beat a file's bootstrap.servers (as kcat's -b does).
    set_property(conf, {"bootstrap.servers", brokers, std::string(brokers_origin)}, m_properties);
  } catch (...) {
    rd_kafka_conf_destroy(conf);
    throw;
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::on_delivery);
  rd_kafka_conf_set_error_cb(conf, &KafkaProducer::on_error);
  rd_kafka_conf_set_log_cb(conf, &KafkaProducer::on_log);

  std::array<char, 512> error{};
  m_handle.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size()));
  if (!m_handle) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new() takes it only on success
    // Creation checks the combination of properties (e.g. idempotence with acks=1).
    throw UsageError(fmt::format("kafka producer: {}", redact_kafka_secrets(error.data(), m_properties)));
  }
  m_topic.reset(rd_kafka_topic_new(m_handle.get(), topic.c_str(), nullptr));
  if (!m_topic) throw UsageError(fmt::format("--topic {}: {}", topic, rd_kafka_err2str(rd_kafka_last_error())));
  m_batch.reserve(k_batch_messages);
}

KafkaProducer::~KafkaProducer() {
  // Whatever is still queued was counted by flush(); do not block here.
  if (m_handle) rd_kafka_purge(m_handle.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

void KafkaProducer::on_delivery(rd_kafka_t* /*handle*/, const rd_kafka_message_t* message, void* opaque) {
  static_cast<KafkaProducer*>(opaque)->record_delivery(*message);
}

void KafkaProducer::record_delivery(const rd_kafka_message_t& message) {
  m_settled.store(m_settled.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (message.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++m_stats.delivered;
    if (m_reports_in_burst++ % 64 == 0) m_report_time = Clock::now();
    m_stats.latency.record(m_report_time - from_opaque(message._private));
    m_brokers_down = false;
    return;
  }
  ++m_stats.failed;
  switch (message.err) {
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
      ++m_stats.failure_reasons["not sent before the flush deadline (--flush-timeout)"];
      return;
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
      ++m_stats.failure_reasons["unacknowledged at the flush deadline (--flush-timeout; may have been written)"];
      return;
    default:
      ++m_stats.failure_reasons[rd_kafka_err2str(message.err)];
  }
}

void KafkaProducer::on_error(rd_kafka_t* handle, int error, const char* reason, void* opaque) {
  auto& self = *static_cast<KafkaProducer*>(opaque);
  if (error == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> fatal{};
    rd_kafka_fatal_error(handle, fatal.data(), fatal.size());
    self.m_fatal_error = redact_kafka_secrets(fatal.data()[0] != '\0' ? fatal.data() : reason, self.m_properties);
    request_stop();  // nothing produced after a fatal error can be delivered
    return;
  }
  if (error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self.m_brokers_down = true;
  self.m_last_error = redact_kafka_secrets(reason, self.m_properties);
  debug("kafka: {} ({})", self.m_last_error, rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(error)));
}

// librdkafka's own log lines (connection attempts and such) only with -v: the status
// line and the final summary say what matters. Called from librdkafka's threads (the
// properties are not changed after construction); debug() writes each line with one call.
void KafkaProducer::on_log(const rd_kafka_t* handle, int /*level*/, const char* facility, const char* text) {
  if (verbosity() != Verbosity::verbose) return;
  const auto* self = static_cast<const KafkaProducer*>(rd_kafka_opaque(handle));
  debug("kafka: {} {}", facility, self != nullptr ? redact_kafka_secrets(text, self->m_properties) : std::string(text));
}

void KafkaProducer::wait_until_reachable(std::chrono::nanoseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string problem;
  bool topic_problem = false;
  while (!stop_requested()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= std::chrono::milliseconds::zero()) break;
    const rd_kafka_metadata_t* raw = nullptr;
    const int timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 1, 1000));
    const auto err = rd_kafka_metadata(m_handle.get(), 0, m_topic.get(), &raw, timeout_ms);
    serve(0);  // collect error events for the message
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> metadata(
          raw, &rd_kafka_metadata_destroy);
      const auto topic_error =
          metadata->topic_cnt == 0 ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART : metadata->topics[0].err;
      // LEADER_NOT_AVAILABLE: the broker is creating the topic right now.
      if (topic_error == RD_KAFKA_RESP_ERR_NO_ERROR || topic_error == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE) return;
      topic_problem = true;
      problem = fmt::format("topic '{}': {}", m_topic_name, rd_kafka_err2str(topic_error));
      if (topic_error != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) break;  // authorization and such: no use waiting
      sleep_unless_stopped(std::chrono::milliseconds(200));
      continue;
    }
    topic_problem = false;
    problem = m_last_error.empty() ? rd_kafka_err2str(err) : m_last_error;
  }
  if (stop_requested()) throw Error(fmt::format("interrupted while waiting for Kafka at {}", m_brokers));
  if (topic_problem) {
    throw Error(fmt::format("Kafka at {}: {} (create the topic, or let the broker create topics automatically)",
                            m_brokers, problem));
  }
  throw Error(fmt::format("cannot reach Kafka at {} within {} (--timeout): {}", m_brokers, format_duration(timeout),
                          problem.empty() ? "no answer" : problem));
}

bool KafkaProducer::submit() {
  while (!m_batch.empty()) {
    // RD_KAFKA_MSG_F_COPY: librdkafka copies key and value, so the slots are reused once
    // the whole batch is queued.
    const int accepted = rd_kafka_produce_batch(m_topic.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                                m_batch.data(), static_cast<int>(m_batch.size()));
    m_queued.store(m_queued.load(std::memory_order_relaxed) + static_cast<uint64_t>(std::max(accepted, 0)),
                   std::memory_order_relaxed);
    if (static_cast<size_t>(accepted) == m_batch.size()) {
      m_batch.clear();
      break;
    }
    // The messages refused (the local queue is full: queue.buffering.max.messages or
    // .kbytes) stay in the batch, in order; any other refusal is an error.
    size_t kept = 0;
    for (size_t i = 0; i < m_batch.size(); ++i) {
      const auto err = m_batch[i].err;
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        throw Error(fmt::format("cannot queue a message for topic '{}': {}", m_topic_name, rd_kafka_err2str(err)));
      }
      m_batch[kept] = m_batch[i];
      m_batch[kept].err = RD_KAFKA_RESP_ERR_NO_ERROR;
      ++kept;
    }
    m_batch.resize(kept);
    // Backpressure: serve delivery reports, which make room, and try again; never drop.
    ++m_backpressure_waits;
    serve(10);
    if (stop_requested()) break;  // the rest were never sent
  }
  const bool complete = m_batch.empty();
  m_batch.clear();
  m_slots_used = 0;
  return complete;
}

void KafkaProducer::serve(int timeout_ms) {
  m_reports_in_burst = 0;
  rd_kafka_poll(m_handle.get(), timeout_ms);
}

uint64_t KafkaProducer::purge_remaining() {
  serve(0);
  if (in_queue() == 0) return 0;
  const uint64_t failed_before = m_stats.failed;
  rd_kafka_purge(m_handle.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  // Purged messages get their delivery reports (ERR__PURGE_QUEUE / _INFLIGHT) on poll.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (in_queue() > 0 && Clock::now() < deadline) serve(50);
  return m_stats.failed - failed_before;
}

}  // namespace shop::pageviews
