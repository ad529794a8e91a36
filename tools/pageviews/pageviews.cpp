#include "pageviews.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <thread>

#include "core/cli.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/find_max.hpp"
#include "core/instance.hpp"
#include "core/output.hpp"
#include "core/interval_report.hpp"
#include "core/kafka_config.hpp"
#include "core/pacing.hpp"
#include "core/signals.hpp"
#include "core/status_line.hpp"
#include "core/summary.hpp"
#include "core/number_format.hpp"
#include "pageview.hpp"
#include "producer.hpp"

namespace shop::pageviews {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// Events sent between two looks at the delivery reports and the status line when
// sending flat out (a few milliseconds' worth).
constexpr uint64_t k_events_per_round = 4096;
// Events claimed at once when unpaced (a fraction of a millisecond's worth).
constexpr uint64_t k_unpaced_chunk = 256;

// Options checked and converted; every problem is a UsageError naming its flag.
struct Settings {
  StreamSettings stream;
  bool to_kafka = true;
  Setting brokers;  // the value, and where it came from
  KafkaProperties properties;
  nanoseconds flush_timeout{0};
  nanoseconds timeout{0};
};

Settings validate(const Options& options, const Environment& env) {
  Settings settings;
  settings.stream = parse_stream_options(options.stream);
  // NaN passes CLI11's range check (every comparison with it is false).
  if (!(options.product_share >= 0.0 && options.product_share <= 1.0)) {
    throw UsageError(fmt::format("--product-share: must be between 0 and 1, got {}", options.product_share));
  }
  if (options.output != "kafka" && options.output != "stdout") {
    throw UsageError(fmt::format("--output: expected kafka or stdout, got '{}'", options.output));
  }
  settings.to_kafka = options.output == "kafka";
  if (options.with_key && settings.to_kafka) throw UsageError("--with-key: only with --output stdout");
  if (options.topic.empty()) throw UsageError("--topic: must not be empty");
  settings.properties = resolve_kafka_config(options.config_files, options.properties, env);
  // Explicit properties beat $KAFKA_BROKERS: a file for a managed cluster names its brokers.
  const auto configured = kafka_config_brokers(settings.properties);
  settings.brokers = options.brokers.empty() && configured ? Setting{*configured, "bootstrap.servers"}
                                                          : resolve_kafka_brokers(options.brokers, env);
  if (settings.to_kafka) check_kafka_brokers(settings.brokers.value, settings.brokers.source);
  settings.flush_timeout = parse_duration(options.flush_timeout, "--flush-timeout");
  settings.timeout = parse_duration(options.timeout, "--timeout");
  if (settings.timeout <= nanoseconds::zero()) throw UsageError("--timeout: must be greater than 0");
  return settings;
}

// The epoch second of "now" for received_at, read once per round of sends.
int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class PageviewRun {
 public:
  PageviewRun(const Options& options, const Settings& settings)
      : m_options(options),
        m_settings(settings),
        m_generator(options.users, options.items, options.product_share, settings.stream.stream_seed),
        m_pacer(settings.stream.make_pacer()),
        m_status(options.report.progress),
        m_intervals(settings.stream.report_interval, settings.stream.report_jsonl, settings.stream.latency_histogram) {
    if (settings.stream.find_max) m_finder.emplace(*settings.stream.find_max, settings.stream.instance, m_pacer, m_intervals);
    if (settings.to_kafka) {
      m_producer.emplace(settings.brokers.value, settings.brokers.source, settings.properties, options.topic);
      // A second Ctrl-C exits at once: it still says how many were handed on and not delivered.
      m_exit_report = {&m_producer->handed_counter(), &m_producer->settled_counter(), "page views not delivered"};
      set_immediate_exit_report(&m_exit_report);
    } else {
      m_stdout.emplace(1 << 18);
    }
  }
  ~PageviewRun() { set_immediate_exit_report(nullptr); }
  PageviewRun(const PageviewRun&) = delete;
  PageviewRun& operator=(const PageviewRun&) = delete;

  int execute() {
    if (m_producer) m_producer->wait_until_reachable(m_settings.timeout);
    m_start = Clock::now();
    m_previous_report_time = m_start;
    send_all();
    if (m_finder) m_finder->stop(Clock::now() - m_start);  // other instances end their search too
    if (m_producer) m_producer->submit();  // the last partial batch
    m_send_end = Clock::now();
    if (m_stdout) m_stdout->flush();
    uint64_t purged = 0;
    if (m_producer) {
      purged = m_producer->flush(m_settings.flush_timeout, [this] { report_progress(Clock::now()); });
    }
    m_status.clear();
    // The last, partial interval ends with the sending; its deliveries are all in.
    m_intervals.finish(m_pacer, m_send_end - m_start, stream_totals(m_send_end));
    return finish(purged);
  }

 private:
  // Sends every event as it falls due on the schedule (all at once when unpaced), until
  // the limits are reached or a stop is requested.
  void send_all() {
    const bool paced = !m_pacer.schedule().unpaced();
    std::optional<Pacer::Claim> next;
    for (;;) {
      if (stop_requested()) return;
      const auto now = Clock::now();
      const auto elapsed = now - m_start;
      m_formatter.set_received_at(epoch_seconds());  // nothing to do within the same second
      if (paced) {
        for (uint64_t round = 0; round < k_events_per_round; ++round) {
          if (!next) next = m_pacer.claim(1, elapsed);
          if (!next) return;  // --count or --duration reached
          if (next->due > elapsed) break;
          const auto intended = m_start + next->due;
          if (!send(next->first, intended)) return;
          m_last_lag = std::max(nanoseconds::zero(), now - intended);
          m_max_lag = std::max(m_max_lag, m_last_lag);
          next.reset();
        }
      } else {
        // Flat out, events are intended when claimed: a chunk at a time, so the clock and
        // the shared counter are read once per chunk, not once per event.
        const auto chunk = m_pacer.claim(k_unpaced_chunk, elapsed);
        if (!chunk) return;
        for (uint64_t i = 0; i < chunk->count; ++i) {
          if (!send(chunk->first + i, now)) return;
        }
      }
      if (m_producer) {
        if (!m_producer->submit()) return;
        m_producer->poll(std::chrono::milliseconds(0));
      }
      report_progress(Clock::now());
      if (next) wait_until(m_start + next->due);
    }
  }

  bool send(uint64_t index, Clock::time_point intended) {
    const Pageview view = m_generator.make(index);
    if (m_producer) {
      static_assert(k_max_key_bytes + k_max_value_bytes <= KafkaProducer::k_message_room);
      // Key and value straight into the producer's batch.
      return m_producer->add(
          [&](char* room) {
            char* const key_end = format_key(view, room);
            char* const value_end = m_formatter.format(view, key_end);
            return std::pair{static_cast<size_t>(key_end - room), static_cast<size_t>(value_end - key_end)};
          },
          intended);
    }
    char buffer[k_max_key_bytes + 1 + k_max_value_bytes + 1];
    char* const key_end = format_key(view, buffer);
    char* const value_begin = key_end + 1;
    char* const value_end = m_formatter.format(view, value_begin);
    if (m_options.with_key) {
      *key_end = '\t';
      *value_end = '\n';
      m_stdout->write({buffer, value_end + 1});
    } else {
      *value_end = '\n';
      m_stdout->write({value_begin, value_end + 1});
    }
    ++m_written;
    return true;
  }

  // Waits for the next event's due time, serving delivery reports meanwhile (so their
  // latency is measured when they arrive, not when the sender next wakes up).
  void wait_until(Clock::time_point target) {
    if (m_stdout) m_stdout->flush();  // a paced stream's lines appear as they are due
    while (!stop_requested()) {
      const auto now = Clock::now();
      if (now >= target) return;
      const auto left = target - now;
      if (m_producer && left >= std::chrono::milliseconds(1)) {
        m_producer->poll(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(left),
                                  std::chrono::milliseconds(100)));
      } else {
        sleep_unless_stopped(std::min<nanoseconds>(left, std::chrono::milliseconds(100)));
        // Nothing to write until the next event: `--rate 0.1 | head -n 1` ends now, not
        // at the next event's write.
        if (m_stdout) m_stdout->throw_if_reader_gone();
      }
      report_progress(Clock::now());
    }
  }

  // Events handed to Kafka (librdkafka's queue) or written to stdout.
  [[nodiscard]] uint64_t sent() const noexcept { return m_producer ? m_producer->queued() : m_written; }

  // What the interval reports read (core/interval_report.hpp): events handed out on
  // the schedule, failed deliveries, delivery latency from the intended send time.
  [[nodiscard]] StreamTotals stream_totals(Clock::time_point now) const {
    StreamTotals totals;
    totals.events = sent();
    totals.completed = m_producer ? m_producer->stats().delivered : m_written;
    totals.lag = m_pacer.behind(now - m_start);
    if (m_producer) {
      totals.errors = m_producer->stats().failed;
      totals.latency = m_producer->stats().latency;
    }
    return totals;
  }

  void report_progress(Clock::time_point now) {
    if (m_send_end == Clock::time_point{}) {
      if (m_finder && m_finder->due(now - m_start)) {
        try {
          m_finder->update(now - m_start, stream_totals(now));
        } catch (const Error& error) {  // the instances cannot agree: stop sending, deliver what was sent
          m_search_error = error.what();
          m_pacer.close();
        }
      }
      if (m_intervals.due(now - m_start)) m_intervals.update(m_pacer, now - m_start, stream_totals(now));
    }
    if (!m_status.due(now)) return;
    const double rate = static_cast<double>(sent() - m_previous_report_sent) / to_seconds(now - m_previous_report_time);
    m_previous_report_sent = sent();
    m_previous_report_time = now;
    // How far sending is behind the schedule right now (grows while the local queue is
    // full), not only the lag of the last send.
    const auto behind = m_send_end != Clock::time_point{} ? nanoseconds::zero() : m_pacer.behind(now - m_start);
    if (!m_producer) {
      m_status.update(fmt::format("{} views/s, written {}, lag {:.0f} ms", format_grouped(rate), format_grouped(m_written),
                                  to_ms(std::max(behind, m_last_lag))),
                      now);
      return;
    }
    const auto& stats = m_producer->stats();
    std::string line = fmt::format(
        "{} views/s, sent {}, delivered {}, failed {}, in queue {}, lag {:.0f} ms, delivery p50 {:.1f} ms "
        "p99 {:.1f} ms",
        format_grouped(rate), format_grouped(sent()), format_grouped(stats.delivered), format_grouped(stats.failed),
        format_grouped(static_cast<uint64_t>(m_producer->in_queue())), to_ms(std::max(behind, m_last_lag)),
        to_ms(stats.latency.percentile(0.5)), to_ms(stats.latency.percentile(0.99)));
    if (m_send_end != Clock::time_point{}) line += ", flushing";
    if (m_producer->brokers_down()) line += ", brokers unreachable";
    m_status.update(line, now);
  }

  int finish(uint64_t purged) {
    const uint64_t sent_count = sent();
    const auto window = m_pacer.schedule().window(sent_count, m_send_end - m_start);
    const double seconds = to_seconds(window);
    const double achieved = seconds > 0 ? static_cast<double>(sent_count) / seconds : 0;
    const std::string target = m_settings.stream.rate_text();
    const std::string destination =
        m_producer ? fmt::format("topic '{}' at {}", m_options.topic, m_settings.brokers.value) : std::string("stdout");

    Summary summary;
    summary.set("tool", std::string("shop-pageviews"))
        .set("output", m_options.output)
        .set("destination", destination);
    m_settings.stream.set_rate_fields(summary);
    summary.set("achieved_rate", achieved)
        .set("seconds", seconds)
        .set("sent", sent_count)
        .set("lag_ms_max", to_ms(m_max_lag))
        .set("lag_ms_last", to_ms(m_last_lag))
        .set("instance", m_settings.stream.instance.to_string());

    info("{} page views in {:.2f} s ({}/s, target {}) to {}", format_grouped(sent_count), seconds, format_grouped(achieved, 1),
         target, destination);
    std::string failure;
    if (m_producer) {
      const auto& stats = m_producer->stats();
      const uint64_t unaccounted = sent_count - std::min(sent_count, stats.delivered + stats.failed);
      info("  delivered {}, failed {}; delivery latency p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms{}", stats.delivered,
           stats.failed, to_ms(stats.latency.percentile(0.5)), to_ms(stats.latency.percentile(0.99)),
           to_ms(stats.latency.max()),
           m_pacer.schedule().unpaced() ? std::string() : fmt::format("; schedule lag max {:.0f} ms", to_ms(m_max_lag)));
      if (m_producer->backpressure_waits() > 0) {
        info("  waited {} time(s) for room in the local queue (backpressure)", m_producer->backpressure_waits());
      }
      std::string reasons;
      for (const auto& [reason, count] : stats.failure_reasons) {
        info("  failed: {} x {}", count, reason);
        reasons += fmt::format("{}{} x {}", reasons.empty() ? "" : "; ", count, reason);
      }
      summary.set("delivered", stats.delivered)
          .set("failed", stats.failed)
          .set("in_queue", sent_count - std::min(sent_count, stats.delivered + stats.failed))
          .set("purged_at_flush_deadline", purged)
          .set_latency("delivery_latency", stats.latency)
          .set("backpressure_waits", m_producer->backpressure_waits())
          .set("failure_reasons", reasons);
      if (!m_producer->fatal_error().empty()) {
        failure = "the producer failed: " + m_producer->fatal_error();
      } else if (stats.failed > 0 || unaccounted > 0) {
        failure = fmt::format("{} of {} page views not delivered ({})", stats.failed + unaccounted, sent_count,
                              reasons.empty() ? "no delivery report" : reasons);
      }
    } else if (!m_pacer.schedule().unpaced()) {
      info("  schedule lag max {:.0f} ms", to_ms(m_max_lag));
    }
    if (failure.empty()) failure = m_search_error;
    summary.set("error", failure);
    const std::string search_failure = m_finder ? m_finder->report(summary) : std::string();  // no rate held
    if (!m_options.report.summary_json.empty()) summary.write_json_file(m_options.report.summary_json);
    if (!failure.empty()) throw Error(failure);
    if (!search_failure.empty()) throw Error(search_failure);
    return 0;
  }

  const Options& m_options;
  const Settings& m_settings;
  PageviewGenerator m_generator;
  ValueFormatter m_formatter;
  Pacer m_pacer;
  StatusLine m_status;
  IntervalReporter m_intervals;
  std::optional<RateFinder> m_finder;  // --find-max
  std::string m_search_error;          // --find-max failed mid-run (another instance missing)
  std::optional<KafkaProducer> m_producer;
  ImmediateExitReport m_exit_report;
  std::optional<StdoutWriter> m_stdout;
  Clock::time_point m_start{};
  Clock::time_point m_send_end{};
  uint64_t m_written = 0;  // --output stdout
  nanoseconds m_last_lag{0};
  nanoseconds m_max_lag{0};
  uint64_t m_previous_report_sent = 0;
  Clock::time_point m_previous_report_time{};
};

}  // namespace

void add_options(CLI::App& app, Options& options) {
  app.add_option("-t,--topic", options.topic, "Kafka topic")->type_name("NAME");
  add_stream_options(app, options.stream, "page views");
  app.add_option("--users", options.users, "Users in the catalog (ids 1..N, as shop-seed creates them)")
      ->transform(whole_number())
      ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}))
      ->type_name("N");
  app.add_option("--items", options.items, "Items in the catalog (ids 1..N, as shop-seed creates them)")
      ->transform(whole_number())
      ->check(CLI::Range(uint64_t{1}, uint64_t{10'000'000}))
      ->type_name("N");
  app.add_option("--product-share", options.product_share, "Share of views that are product pages (the rest: profiles)")
      ->type_name("0..1");
  app.add_option("-b,--brokers", options.brokers,
                 fmt::format("Kafka bootstrap brokers (default: bootstrap.servers from -F/-X, else $KAFKA_BROKERS, "
                             "else {})",
                             k_default_kafka_brokers))
      ->type_name("LIST");
  app.add_option("-F", options.config_files,
                 fmt::format("librdkafka properties from a file of key=value lines, '#' comments, as kcat -F reads "
                             "it; keeps a SASL password off the command line (repeatable; default: ${})",
                             k_kafka_config_file_env))
      ->type_name("FILE")
      ->default_str("")
      ->allow_extra_args(false);
  app.add_option("-X", options.properties, "Any librdkafka property, as kcat takes it; after -F (repeatable)")
      ->type_name("KEY=VALUE")
      ->default_str("")
      ->allow_extra_args(false);
  app.add_option("--output", options.output, "Where the events go: kafka, or stdout (one value per line)")
      ->type_name("kafka|stdout");
  app.add_flag("--with-key", options.with_key,
               "With --output stdout: write key<TAB>value (for kcat -P -K '\\t')");
  app.add_option("--flush-timeout", options.flush_timeout,
                 "At the end or on SIGINT/SIGTERM, wait this long for delivery reports")
      ->type_name("D");
  app.add_option("--timeout", options.timeout, "Exit 1 if the brokers do not answer within this long at start")
      ->type_name("D");
  add_report_options(app, options.report);
  app.footer(
      "Events: key = user id, value = {\"user_id\": N, \"url\": \"/products/N\" or \"/profiles/N\", \"channel\": ...,\n"
      "\"received_at\": epoch seconds}. Items by popularity (the model shop-purchases shares).\n"
      "Producer defaults, before -F and -X: enable.idempotence=true, acks=all,\n"
      "reconnect.backoff.max.ms=1000, client.id=shop-pageviews. Every message is delivered or reported failed (then exit 1); a full local\n"
      "queue waits, never drops.");
}

int run(const Options& options, const Environment& env) {
  install_signal_handlers();
  apply_verbosity(options.report);
  const Settings settings = validate(options, env);
  return PageviewRun(options, settings).execute();
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "pageviews", "JSON page views into Kafka, paced or flat out, nothing lost", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options); });
}

}  // namespace shop::pageviews
