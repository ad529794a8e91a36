#include "purchases.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "catalog.hpp"
#include "core/cli.hpp"
#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/find_max.hpp"
#include "core/histogram.hpp"
#include "core/interval_report.hpp"
#include "core/instance.hpp"
#include "core/mysql.hpp"
#include "core/pacing.hpp"
#include "core/signals.hpp"
#include "core/status_line.hpp"
#include "core/summary.hpp"
#include "core/number_format.hpp"
#include "purchase.hpp"
#include "writer.hpp"

namespace shop::purchases {
namespace {

// Past this share of purchases out of stock the summary warns (issue: 32% after a staged
// run, 45% after --find-max, silently).
constexpr double k_out_of_stock_warning_share = 0.05;

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

// Options checked and converted; every problem is a UsageError naming its flag.
struct Settings {
  StreamSettings stream;
  uint32_t connections = 1;
  uint32_t batch = 1;
  nanoseconds retry_for{0};
  MysqlUrl url;
};

Settings validate(const Options& options, const Environment& env) {
  Settings settings;
  settings.stream = parse_stream_options(options.stream);
  settings.connections = options.connections;
  settings.batch = options.batch;
  settings.retry_for = parse_duration(options.retry_for, "--retry-for");
  settings.url = mysql_url_from(options.mysql_url, env);
  return settings;
}

// One connection's figures. Its worker writes them, the status line reads them, both
// under the mutex (once per transaction: no contention worth measuring).
struct WorkerStats {
  std::mutex mutex;
  BatchOutcome totals;
  uint64_t transactions = 0;
  LatencyHistogram commit_latency;  // intended send time -> commit
  nanoseconds last_lag{0};
  nanoseconds max_lag{0};
  uint64_t reconnects = 0;
  nanoseconds outage{0};
  std::optional<Clock::time_point> down_since;
  uint64_t unresolved_commits = 0;
  uint64_t conflict_retries = 0;
  Clock::time_point last_commit{};
};

struct Totals {
  BatchOutcome outcome;
  uint64_t transactions = 0;
  LatencyHistogram latency;
  nanoseconds last_lag{0};
  nanoseconds max_lag{0};
  uint64_t reconnects = 0;
  nanoseconds outage{0};
  std::optional<nanoseconds> down_for;  // longest current outage
  uint64_t unresolved_commits = 0;
  uint64_t conflict_retries = 0;
  Clock::time_point last_commit{};
};

class PurchaseRun {
 public:
  PurchaseRun(const Options& options, const Settings& settings, const Catalog& catalog)
      : m_options(options),
        m_settings(settings),
        m_generator(catalog, settings.stream.stream_seed),
        m_pacer(settings.stream.make_pacer()),
        m_stats(settings.connections),
        m_intervals(settings.stream.report_interval, settings.stream.report_jsonl, settings.stream.latency_histogram) {
    if (settings.stream.find_max) m_finder.emplace(*settings.stream.find_max, settings.stream.instance, m_pacer, m_intervals);
  }

  int execute() {
    m_start = Clock::now();
    std::vector<std::thread> workers;
    for (size_t i = 0; i < m_settings.connections; ++i) workers.emplace_back([this, i] { worker(i); });
    try {
      report_progress_until_done();
      if (m_finder) m_finder->stop(Clock::now() - m_start);
    } catch (const Error& error) {  // a report that cannot be written: the workers stop, then it is reported
      fail(error.what());
      while (m_finished_workers.load() < m_settings.connections) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    for (auto& worker : workers) worker.join();
    return finish();
  }

 private:
  void worker(size_t index) {
    WorkerStats& stats = m_stats[index];
    PurchaseWriter writer(m_settings.url);
    SteadyClock clock;
    std::vector<Purchase> batch;
    try {
      while (!stop_requested()) {
        const auto claim = m_pacer.claim(m_settings.batch, Clock::now() - m_start);
        if (!claim) break;
        // A stop while waiting leaves the claimed purchases unsent: nothing was written.
        if (!clock.sleep_until(m_start + claim->due)) break;
        // Latency counts from the intended time: the schedule's, or (unpaced) now.
        const auto intended = m_pacer.schedule().unpaced() ? Clock::now() : m_start + claim->due;
        const auto lag = Clock::now() - intended;
        batch.clear();
        for (uint64_t i = 0; i < claim->count; ++i) batch.push_back(m_generator.make(claim->first + i));
        const auto outcome = write_exactly(writer, batch, stats);
        if (!outcome) break;
        const auto committed_at = Clock::now();
        std::lock_guard lock(stats.mutex);
        stats.totals += *outcome;
        ++stats.transactions;
        stats.commit_latency.record(committed_at - intended);
        stats.last_lag = std::max(nanoseconds::zero(), lag);
        stats.max_lag = std::max(stats.max_lag, stats.last_lag);
        stats.conflict_retries = writer.conflict_retries();
        stats.last_commit = committed_at;
      }
    } catch (const Error& error) {
      fail(error.what());
    } catch (const std::exception& error) {
      fail(error.what());
    }
    ++m_finished_workers;
  }

  // Writes the batch, riding out connection losses: a transaction lost before its COMMIT
  // is written again, one lost during COMMIT is resolved first. nullopt: gave up (stop
  // requested during an outage, or --retry-for passed).
  std::optional<BatchOutcome> write_exactly(PurchaseWriter& writer, std::span<const Purchase> batch,
                                            WorkerStats& stats) {
    std::optional<ConnectionLost> unresolved;
    for (;;) {
      try {
        if (unresolved) {
          if (!writer.connected()) writer.connect();
          const bool committed = writer.resolve(*unresolved);
          const BatchOutcome pending = unresolved->pending();
          unresolved.reset();
          if (committed) return pending;
        }
        return writer.write(batch);
      } catch (const ConnectionLost& lost) {
        if (lost.commit_sent() && !unresolved) unresolved = lost;
        debug("connection lost ({}){}", lost.what(), lost.commit_sent() ? "; the last COMMIT will be resolved" : "");
      } catch (const sql::SQLException& error) {  // lost again while resolving or reconnecting
        if (!is_connection_lost(error)) throw Error(fmt::format("{} ({})", m_settings.url.masked(), describe_mysql_error(error)));
      }
      if (!reconnect(writer, stats)) {
        if (unresolved) {
          std::lock_guard lock(stats.mutex);
          ++stats.unresolved_commits;
        }
        return std::nullopt;
      }
    }
  }

  bool reconnect(PurchaseWriter& writer, WorkerStats& stats) {
    const auto down_since = Clock::now();
    {
      std::lock_guard lock(stats.mutex);
      stats.down_since = down_since;
    }
    const auto outage_over = [&] {
      std::lock_guard lock(stats.mutex);
      stats.outage += Clock::now() - down_since;
      stats.down_since.reset();
    };
    Outage outage(m_settings.retry_for);
    outage.begin();
    for (;;) {
      std::string last_error;
      try {
        writer.connect();
        outage_over();
        std::lock_guard lock(stats.mutex);
        ++stats.reconnects;
        return true;
      } catch (const Error& error) {
        last_error = error.what();
      } catch (const sql::SQLException& error) {
        last_error = describe_mysql_error(error);
      }
      try {
        if (!outage.wait_before_retry(last_error)) {
          outage_over();
          return false;
        }
      } catch (const Error& error) {  // --retry-for has run out
        fail(error.what());
        return false;
      }
    }
  }

  void fail(const std::string& message) {
    {
      std::lock_guard lock(m_failure_mutex);
      if (m_failure.empty()) m_failure = message;
    }
    request_stop();  // the other connections finish their transaction and stop too
  }

  Totals totals() {
    Totals totals;
    const auto now = Clock::now();
    for (auto& stats : m_stats) {
      std::lock_guard lock(stats.mutex);
      totals.outcome += stats.totals;
      totals.transactions += stats.transactions;
      totals.latency.merge(stats.commit_latency);
      totals.last_lag = std::max(totals.last_lag, stats.last_lag);
      totals.max_lag = std::max(totals.max_lag, stats.max_lag);
      totals.reconnects += stats.reconnects;
      totals.outage = std::max(totals.outage, stats.outage);
      if (stats.down_since) totals.down_for = std::max(totals.down_for.value_or(nanoseconds::zero()), now - *stats.down_since);
      totals.unresolved_commits += stats.unresolved_commits;
      totals.conflict_retries += stats.conflict_retries;
      totals.last_commit = std::max(totals.last_commit, stats.last_commit);
    }
    return totals;
  }

  // What the interval reports read (core/interval_report.hpp): purchases done (committed
  // or out of stock), commits lost to an error, commit latency from the intended time.
  [[nodiscard]] StreamTotals stream_totals(const Totals& t, Clock::time_point now) const {
    StreamTotals totals;
    totals.events = t.outcome.rows + t.outcome.out_of_stock;
    totals.completed = totals.events;  // counted once committed
    totals.errors = t.unresolved_commits;
    totals.reconnects = t.reconnects;
    totals.lag = m_pacer.behind(now - m_start);
    totals.latency = t.latency;
    return totals;
  }

  void report_progress_until_done() {
    StatusLine status(m_options.report.progress);
    uint64_t previous_purchases = 0;
    auto previous_time = m_start;
    while (m_finished_workers.load() < m_settings.connections) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const auto now = Clock::now();
      if (m_finder && m_finder->due(now - m_start)) m_finder->update(now - m_start, stream_totals(totals(), now));
      if (m_intervals.due(now - m_start)) m_intervals.update(m_pacer, now - m_start, stream_totals(totals(), now));
      if (!status.due(now)) continue;
      const Totals t = totals();
      const uint64_t purchases = t.outcome.rows + t.outcome.out_of_stock;
      const double rate = static_cast<double>(purchases - previous_purchases) / to_seconds(now - previous_time);
      previous_purchases = purchases;
      previous_time = now;
      // How far sending is behind the schedule right now (grows during an outage or
      // when MySQL cannot keep up), not just the lag of the last commit.
      const auto behind = m_pacer.behind(now - m_start);
      std::string line = fmt::format(
          "{} purchases/s, committed {}, out of stock {}, abandoned {}, commit p50 {:.1f} ms p99 {:.1f} ms, lag {:.0f} ms",
          format_grouped(rate, 1), format_grouped(t.outcome.rows), format_grouped(t.outcome.out_of_stock),
          format_grouped(t.outcome.abandoned), to_ms(t.latency.percentile(0.5)),
          to_ms(t.latency.percentile(0.99)), to_ms(std::max(behind, t.last_lag)));
      if (t.down_for) line += fmt::format(", reconnecting (down {:.1f} s)", to_seconds(*t.down_for));
      status.update(line, now);
    }
  }

  int finish() {
    const Totals t = totals();
    const auto end = t.last_commit > m_start ? t.last_commit : Clock::now();
    m_intervals.finish(m_pacer, end - m_start, stream_totals(t, end));
    const uint64_t purchases = t.outcome.rows + t.outcome.out_of_stock;
    const auto window =
        m_pacer.schedule().window(purchases, (t.last_commit > m_start ? t.last_commit : Clock::now()) - m_start);
    const double seconds = to_seconds(window);
    const double achieved = seconds > 0 ? static_cast<double>(purchases) / seconds : 0;
    const auto& url = m_settings.url;

    info("{} purchases in {:.2f} s ({}/s, target {}) into {}", format_grouped(purchases), seconds, format_grouped(achieved, 1),
         m_settings.stream.rate_text(), url.masked());
    info("  committed {} ({} completed, {} abandoned carts), {} out of stock, {} units sold, {} transactions",
         format_grouped(t.outcome.rows), format_grouped(t.outcome.completed), format_grouped(t.outcome.abandoned),
         format_grouped(t.outcome.out_of_stock), format_grouped(t.outcome.quantity_sold),
         t.transactions);
    info("  commit latency p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms; schedule lag max {:.0f} ms",
         to_ms(t.latency.percentile(0.5)), to_ms(t.latency.percentile(0.99)), to_ms(t.latency.max()), to_ms(t.max_lag));
    const double out_of_stock_share =
        purchases > 0 ? static_cast<double>(t.outcome.out_of_stock) / static_cast<double>(purchases) : 0.0;
    if (out_of_stock_share > k_out_of_stock_warning_share) {
      // A purchase that finds no stock commits a lighter transaction (no row, no stock
      // change): past a few percent the run no longer measures the workload it names.
      print_warning(fmt::format(
          "{:.1f}% of purchases found their item out of stock (over {:.0f}%){}; for a load test, seed ample stock: "
          "shop-seed --reset --inventory 1000000:2000000",
          100 * out_of_stock_share, 100 * k_out_of_stock_warning_share,
          m_finder ? ": the rate found includes them" : ""));
    }
    if (t.reconnects > 0 || t.outage > nanoseconds::zero()) {
      info("  connection lost and re-established {} time(s), {:.1f} s without a connection", t.reconnects,
           to_seconds(t.outage));
    }

    Summary summary;
    summary.set("tool", std::string("shop-purchases"))
        .set("database", url.masked());
    m_settings.stream.set_rate_fields(summary);
    summary.set("achieved_rate", achieved)
        .set("seconds", seconds)
        .set("purchases", purchases)
        .set("committed", t.outcome.rows)
        .set("completed", t.outcome.completed)
        .set("abandoned", t.outcome.abandoned)
        .set("out_of_stock", t.outcome.out_of_stock)
        .set("out_of_stock_share", out_of_stock_share)
        .set("quantity_sold", t.outcome.quantity_sold)
        .set("transactions", t.transactions)
        .set_latency("commit_latency", t.latency)
        .set("lag_ms_max", to_ms(t.max_lag))
        .set("lag_ms_last", to_ms(t.last_lag))
        .set("reconnects", t.reconnects)
        .set("outage_seconds", to_seconds(t.outage))
        .set("conflict_retries", t.conflict_retries)
        .set("unresolved_commits", t.unresolved_commits)
        .set("connections", uint64_t{m_settings.connections})
        .set("batch", uint64_t{m_settings.batch})
        .set("instance", m_settings.stream.instance.to_string())
        .set("error", m_failure);
    const std::string search_failure = m_finder ? m_finder->report(summary) : std::string();  // no rate held
    if (!m_options.report.summary_json.empty()) summary.write_json_file(m_options.report.summary_json);

    if (!m_failure.empty()) throw Error(m_failure);
    if (!search_failure.empty()) throw Error(search_failure);
    if (t.unresolved_commits > 0) {
      throw Error(fmt::format("stopped during an outage with {} COMMIT(s) unresolved: the counts above may miss up "
                              "to {} batch(es)",
                              t.unresolved_commits, t.unresolved_commits));
    }
    return 0;
  }

  const Options& m_options;
  const Settings& m_settings;
  PurchaseGenerator m_generator;
  Pacer m_pacer;
  std::vector<WorkerStats> m_stats;
  IntervalReporter m_intervals;
  std::optional<RateFinder> m_finder;  // --find-max
  Clock::time_point m_start{};
  std::atomic<uint32_t> m_finished_workers{0};
  std::mutex m_failure_mutex;
  std::string m_failure;
};

}  // namespace

void add_options(CLI::App& app, Options& options) {
  add_stream_options(app, options.stream, "purchases");
  app.add_option("-c,--connections", options.connections, "Connections writing in parallel")
      ->transform(whole_number())
      ->check(CLI::Range(1u, 256u))
      ->type_name("N");
  app.add_option("--batch", options.batch, "Purchases per transaction")
      ->transform(whole_number())
      ->check(CLI::Range(1u, 10'000u))
      ->type_name("N");
  add_retry_for_option(app, options.retry_for);
  add_mysql_option(app, options.mysql_url);
  add_report_options(app, options.report);
  app.footer(
      "Each purchase: a user (VIPs buy more), an item by popularity x conversion propensity, quantity 1-5,\n"
      "about 90% completed (stock decremented in the same transaction; not sold when short of stock) and\n"
      "10% abandoned carts.\n"
      "Pacing follows an absolute schedule; the status line shows lag when MySQL falls behind.");
}

int run(const Options& options, const Environment& env) {
  install_signal_handlers();
  apply_verbosity(options.report);
  const Settings settings = validate(options, env);
  Catalog catalog;
  {
    auto connection = connect_mysql(settings.url);
    catalog = load_catalog(*connection, settings.url);
  }
  debug("catalog: {} items ({} units in stock), {} users; target {}, {} connection(s), batch {}", catalog.item_ids.size(),
        catalog.total_stock, catalog.user_ids.size(),
        settings.stream.rate_text(), settings.connections,
        settings.batch);
  return PurchaseRun(options, settings, catalog).execute();
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "purchases", "A paced, realistic, exact purchase stream into MySQL", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options); });
}

}  // namespace shop::purchases
