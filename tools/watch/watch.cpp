#include "watch.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <exception>
#include <mutex>
#include <thread>

#include "core/cli.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/output.hpp"
#include "core/signals.hpp"
#include "core/change_source.hpp"
#include "stream_sink.hpp"
#include "table_model.hpp"
#include "table_screen.hpp"

namespace shop::watch {
namespace {

using Clock = std::chrono::steady_clock;

// The table's sink: the source thread updates the model under the mutex; the screen
// thread draws from it.
class TableSink final : public Sink {
 public:
  TableSink(TableModel& model, std::mutex& mutex, uint64_t count_limit)
      : m_model(model), m_mutex(mutex), m_count_limit(count_limit) {}

  void columns(const std::vector<ColumnInfo>& columns) override {
    std::lock_guard lock(m_mutex);
    if (m_model.columns().empty()) m_pending_columns = columns;
  }
  void change(const std::string& timestamp, int64_t diff, std::string_view row) override {
    m_pending.push_back({timestamp, diff, Row(row)});
  }
  void end_changes() override {
    std::lock_guard lock(m_mutex);
    take_columns();
    m_model.apply(m_pending, Clock::now());
    m_changes += m_pending.size();
    m_pending.clear();
  }
  void keyed_changes(const std::vector<KeyedChange>& changes) override {
    std::lock_guard lock(m_mutex);
    take_columns();
    m_model.apply(changes, Clock::now());
    m_changes += changes.size();
  }
  void progress(const std::string& timestamp) override {
    std::lock_guard lock(m_mutex);
    take_columns();
    m_model.progress(timestamp, Clock::now());
  }
  void status(const std::string& text) override {
    std::lock_guard lock(m_mutex);
    m_status = text;
  }
  [[nodiscard]] bool done() const override { return m_count_limit != 0 && m_changes.load() >= m_count_limit; }

  // Under the mutex.
  [[nodiscard]] const std::string& status_text() const { return m_status; }
  std::function<void(const std::vector<ColumnInfo>&)> on_columns;  // set before the source starts

 private:
  void take_columns() {
    if (m_pending_columns.empty()) return;
    on_columns(m_pending_columns);
    m_pending_columns.clear();
  }

  TableModel& m_model;
  std::mutex& m_mutex;
  uint64_t m_count_limit;
  std::atomic<uint64_t> m_changes{0};
  std::vector<ColumnInfo> m_pending_columns;
  std::vector<Change> m_pending;  // this batch's changes, applied together
  std::string m_status;
};

// Stops the run after --duration (a stop request, as a signal would).
class DurationLimit {
 public:
  explicit DurationLimit(std::chrono::nanoseconds duration) {
    if (duration <= std::chrono::nanoseconds::zero()) return;
    m_thread = std::thread([this, duration] {
      std::unique_lock lock(m_mutex);
      if (!m_finished.wait_for(lock, duration, [this] { return m_done; })) request_stop();
    });
  }
  ~DurationLimit() {
    {
      std::lock_guard lock(m_mutex);
      m_done = true;
    }
    m_finished.notify_all();
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_finished;
  bool m_done = false;
  std::thread m_thread;
};

int run_table(const Options& options, const SourceSettings& settings) {
  TableModel model;
  std::mutex mutex;
  TableSink sink(model, mutex, options.count);
  ScreenInfo info;
  info.query = settings.query;
  info.limit = options.limit;
  sink.on_columns = [&](const std::vector<ColumnInfo>& columns) {
    model.set_columns(columns, settings.key_columns.size());
    model.set_order(parse_order_by(options.order_by, columns));
    if (!options.bar.empty()) {
      const auto order = parse_order_by(options.bar, columns);
      if (order.size() != 1) throw UsageError("--bar: name one numeric column");
      info.bar_column = order[0].column;
    }
  };
  std::exception_ptr failure;
  std::atomic<bool> source_finished{false};
  std::thread source([&] {
    try {
      run_source(settings, sink);
    } catch (...) {
      failure = std::current_exception();
      request_stop();
    }
    source_finished = true;
  });
  {
    const char* no_color = std::getenv("NO_COLOR");
    TableScreen screen(no_color == nullptr || *no_color == '\0');
    while (!stop_requested() && !source_finished) {
      {
        std::lock_guard lock(mutex);
        info.status = sink.status_text();
        screen.draw(model, info, Clock::now());
      }
      if (!screen.handle_input(std::chrono::milliseconds(100))) break;
    }
  }  // the terminal is restored here, before any message
  request_stop();
  source.join();
  if (failure) std::rethrow_exception(failure);
  return 0;
}

}  // namespace

void add_options(CLI::App& app, Options& options) {
  // Checked in run(), not with required(): CLI11 would report a missing query before an
  // unknown flag, hiding the actual mistake.
  app.add_option("query", options.query, "A SELECT query, or the name of a view (SELECT * FROM it)")
      ->type_name("QUERY|VIEW");
  add_postgres_url_option(app, options.url);
  add_source_mode_option(app, options.mode, "the query");
  app.add_option("--interval", options.interval, "Poll mode: re-run the query this often")->type_name("D");
  app.add_flag("--no-snapshot", options.no_snapshot, "Subscribe: only changes from now on, not the current result");
  app.add_option("--as-of", options.as_of, "Subscribe: start at this timestamp (AS OF)")->type_name("TS");
  app.add_option("--up-to", options.up_to, "Subscribe: end before this timestamp (UP TO)")->type_name("TS");
  app.add_option("--key", options.key, "Key columns: changes become upserts and deletes (ENVELOPE UPSERT)")
      ->type_name("COL[,COL...]");
  app.add_option("--format", options.format,
                 "table (live, full screen; default on a terminal), changes (default otherwise), jsonl or csv")
      ->check(CLI::IsMember({"table", "changes", "jsonl", "csv"}))
      ->type_name("FORMAT");
  app.add_option("--order-by", options.order_by, "Table: row order, e.g. 'revenue desc, item_id'")->type_name("COLS");
  app.add_option("--limit", options.limit, "Table: show the first N rows (default: what fits)")
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--bar", options.bar, "Table: draw a bar for this numeric column beside each row")->type_name("COL");
  app.add_option("--count", options.count, "Exit after N changes")->transform(whole_number())->type_name("N");
  app.add_option("--duration", options.duration, "Exit after this long, e.g. 30s")->type_name("D");
  add_retry_for_option(app, options.retry_for);
  app.add_option("--subscribe-standin", options.subscribe_standin,
                 "Testing: send each DECLARE and FETCH to this PostgreSQL function standing in for SUBSCRIBE")
      ->group("");
  add_verbosity_flags(app, options.report);
  app.footer(
      "changes: timestamp, +N/-N (with --key: upsert/delete), then the columns, tab-separated (\\N: NULL).\n"
      "jsonl: {\"ts\": ..., \"diff\": 1, \"row\": {...}};\n"
      "  with --key {\"ts\": ..., \"state\": \"upsert\", \"key\": {...}, \"value\": {...}}.\n"
      "In the table, + marks an inserted row, ~ an updated one, - a removed one, for a moment. q quits.");
}

int run(const Options& options, const Environment& env) {
  install_signal_handlers();
  apply_verbosity(options.report);
  if (options.query.empty()) throw UsageError("a QUERY or the name of a view is required (see --help)");
  SourceSettings settings;
  settings.conninfo = resolve_postgres_url(options.url, env).value;
  settings.query = query_for(options.query);
  settings.key_columns = split_comma_list(options.key);
  settings.snapshot = !options.no_snapshot;
  settings.as_of = options.as_of;
  settings.up_to = options.up_to;
  for (const auto& [flag, value] : {std::pair{"--as-of", &options.as_of}, std::pair{"--up-to", &options.up_to}}) {
    if (!value->empty() && value->find_first_not_of("0123456789") != std::string::npos) {
      throw UsageError(fmt::format("{}: '{}' is not a Materialize timestamp (milliseconds since the epoch, digits only)",
                                   flag, *value));
    }
  }
  // Materialize refuses UP TO below AS OF, and ends a subscription whose two are equal
  // after zero rows (doc/user/content/sql/subscribe.md, "UP TO").
  if (!options.as_of.empty() && !options.up_to.empty() && timestamp_less(options.up_to, options.as_of)) {
    throw UsageError(fmt::format("--as-of {} is later than --up-to {} (UP TO must not be below AS OF)", options.as_of,
                                 options.up_to));
  }
  settings.interval = parse_duration(options.interval, "--interval");
  if (settings.interval <= std::chrono::nanoseconds::zero()) throw UsageError("--interval: must be greater than 0");
  settings.retry_for = parse_duration(options.retry_for, "--retry-for");
  settings.standin_function = options.subscribe_standin;
  const auto duration = options.duration.empty() ? std::chrono::nanoseconds::zero()
                                                 : parse_duration(options.duration, "--duration");
  const bool timestamps_given = options.no_snapshot || !options.as_of.empty() || !options.up_to.empty();
  const std::string format = !options.format.empty() ? options.format : (::isatty(STDOUT_FILENO) != 0 ? "table" : "changes");
  if (format != "table" && (!options.order_by.empty() || options.limit > 0 || !options.bar.empty())) {
    throw UsageError("--order-by, --limit and --bar: only with --format table");
  }

  settings.mode = resolve_source_mode(options.mode, settings.conninfo, !options.subscribe_standin.empty());
  if (settings.mode == SourceMode::poll && timestamps_given) {
    throw UsageError("--no-snapshot, --as-of and --up-to: only in subscribe mode (Materialize)");
  }

  DurationLimit limit(duration);
  if (format == "table") return run_table(options, settings);
  const StreamFormat stream = format == "jsonl" ? StreamFormat::jsonl
                              : format == "csv" ? StreamFormat::csv
                                                : StreamFormat::changes;
  StdoutWriter out(1 << 18);
  StreamSink sink(stream, out, options.count, settings.key_columns.size());
  run_source(settings, sink);
  out.flush();
  return 0;
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "watch", "A query's changes, live: a table for people, a stream for programs", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options); });
}

}  // namespace shop::watch
