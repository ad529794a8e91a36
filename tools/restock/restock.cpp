#include "restock.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <optional>

#include "alert.hpp"
#include "core/cli.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/mysql.hpp"
#include "core/output.hpp"
#include "core/pacing.hpp"
#include "core/signals.hpp"
#include "core/summary.hpp"
#include "warehouse.hpp"

namespace shop::restock {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

struct Counts {
  uint64_t lines = 0;
  uint64_t alerts = 0;        // items entering the view
  uint64_t placed = 0;
  uint64_t already_open = 0;  // an order was open: nothing to do
  uint64_t not_needed = 0;    // stock already at the target
  uint64_t unknown_items = 0;
  uint64_t delivered = 0;
  int64_t units_delivered = 0;
  uint64_t malformed = 0;
  uint64_t reconnects = 0;
};

struct Scheduled {
  OpenOrder order;
  Clock::time_point due;
};

class Restock {
 public:
  Restock(const Options& options, int input_fd, const Environment& env)
      : m_options(options),
        m_input(input_fd),
        m_url(mysql_url_from(options.mysql_url, env)),
        m_warehouse(m_url) {
    m_lead_time = parse_duration(options.lead_time, "--lead-time");
    m_retry_for = parse_duration(options.retry_for, "--retry-for");
    if (options.quantity < 0) throw UsageError("--quantity: must be greater than 0");
    if (options.quantity > 0) {
      m_rule.fixed = options.quantity;
    } else if (options.restock_to > 0) {
      m_rule.restock_to = options.restock_to;
    } else {
      throw UsageError("--restock-to: must be greater than 0");
    }
  }

  int execute() {
    m_warehouse.connect();
    resume_open_orders();
    bool input_open = true;
    while (!stop_requested()) {
      deliver_due();
      if (!input_open && m_schedule.empty()) break;  // input ended, every delivery made
      const auto wait = time_to_next_delivery();
      if (input_open) {
        input_open = read_input(wait);
      } else if (!sleep_unless_stopped(wait)) {
        break;
      }
    }
    if (!m_partial.empty() && !stop_requested()) handle_line(m_partial);  // a last line without a newline
    m_out.flush();
    return finish();
  }

 private:
  // Open orders in MySQL (from an earlier run, or another process's) are delivered on
  // their own schedule: placed + lead time.
  void resume_open_orders() {
    const auto orders = with_connection([&] { return m_warehouse.open_orders(); });
    for (const auto& order : orders) schedule(order);
    if (!orders.empty()) info("resuming {} open warehouse order(s)", orders.size());
  }

  void schedule(const OpenOrder& order) {
    const auto left = std::max(nanoseconds::zero(), m_lead_time - order.age);
    m_schedule[order.item_id] = Scheduled{order, Clock::now() + left};
  }

  [[nodiscard]] nanoseconds time_to_next_delivery() const {
    nanoseconds wait = std::chrono::seconds(1);
    const auto now = Clock::now();
    for (const auto& [item, scheduled] : m_schedule) wait = std::min(wait, std::max(nanoseconds::zero(), scheduled.due - now));
    return wait;
  }

  void deliver_due() {
    const auto now = Clock::now();
    for (auto it = m_schedule.begin(); it != m_schedule.end() && !stop_requested();) {
      if (it->second.due > now) {
        ++it;
        continue;
      }
      const OpenOrder order = it->second.order;
      const bool delivered = with_connection([&] { return m_warehouse.deliver(order); });
      if (delivered) {
        ++m_counts.delivered;
        m_counts.units_delivered += order.quantity;
        info("delivered: order {} for item {}, {} units", order.id, order.item_id, order.quantity);
      } else {
        debug("order {} was no longer open", order.id);
      }
      it = m_schedule.erase(it);
    }
  }

  // Reads what stdin has within `wait`; false at end of input.
  bool read_input(nanoseconds wait) {
    pollfd descriptor{m_input, POLLIN, 0};
    const auto timeout_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    const int ready = ::poll(&descriptor, 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) return true;
      throw Error(fmt::format("cannot read the input ({})", std::strerror(errno)));
    }
    if (ready == 0) return true;
    char buffer[1 << 16];
    const ssize_t bytes = ::read(m_input, buffer, sizeof buffer);
    if (bytes < 0) {
      if (errno == EINTR || errno == EAGAIN) return true;
      throw Error(fmt::format("cannot read the input ({})", std::strerror(errno)));
    }
    if (bytes == 0) return false;
    std::string_view data(buffer, static_cast<size_t>(bytes));
    for (size_t newline = data.find('\n'); newline != std::string_view::npos; newline = data.find('\n')) {
      m_partial.append(data.substr(0, newline));
      handle_line(m_partial);
      m_partial.clear();
      data.remove_prefix(newline + 1);
      if (stop_requested()) return true;
    }
    m_partial.append(data);
    return true;
  }

  void handle_line(const std::string& line) {
    ++m_counts.lines;
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;  // blank
    const auto parsed = parse_signal(line);
    if (const auto* reason = std::get_if<std::string>(&parsed)) {
      ++m_counts.malformed;
      // A table (shop-watch's default output) or CSV piped in by mistake: say once what
      // the input must be, not only that each line is wrong.
      const size_t first = line.find_first_not_of(" \t\r");
      const bool looks_like_json = line[first] == '{';
      std::string hint;
      if (!looks_like_json && !m_format_hint_given) {
        m_format_hint_given = true;
        hint = " (not a JSON line: shop-restock reads shop-watch's --format jsonl, e.g. "
               "shop-watch --format jsonl low_stock_alerts | shop-restock)";
      }
      print_warning(fmt::format("line {}: {}; skipped{}", m_counts.lines, *reason, hint));
      return;
    }
    const Signal& signal = std::get<Signal>(parsed);
    if (!signal.entering) return;  // leaving the view (ordered, restocked): nothing to do
    ++m_counts.alerts;
    if (m_schedule.contains(signal.item_id)) {
      ++m_counts.already_open;
      report(signal, "already on order", &m_schedule.at(signal.item_id).order);
      return;
    }
    const Placement placement =
        with_connection([&] { return m_warehouse.place(signal.item_id, m_rule, m_options.dry_run); });
    switch (placement.outcome) {
      case Placement::Outcome::placed: {
        ++m_counts.placed;
        const OpenOrder order{placement.order_id, signal.item_id, placement.quantity, nanoseconds::zero()};
        if (m_options.dry_run) {
          m_out.write(fmt::format("would order {} of item {} (stock {})\n", placement.quantity, signal.item_id,
                                  placement.stock));
        } else {
          schedule(order);
        }
        report(signal, m_options.dry_run ? "would order" : "ordered", &order, placement.stock);
        return;
      }
      case Placement::Outcome::already_open: {
        ++m_counts.already_open;
        const OpenOrder order{placement.order_id, signal.item_id, placement.quantity, nanoseconds::zero()};
        if (!m_options.dry_run && !m_schedule.contains(signal.item_id)) schedule(order);  // placed by another process
        report(signal, "already on order", &order, placement.stock);
        return;
      }
      case Placement::Outcome::not_needed:
        ++m_counts.not_needed;
        report(signal, "stock already at the target", nullptr, placement.stock);
        return;
      case Placement::Outcome::no_such_item:
        ++m_counts.unknown_items;
        report(signal, "no such item", nullptr);
        return;
    }
  }

  // The alert on stderr, and with --alerts-jsonl one JSON line on stdout.
  void report(const Signal& signal, std::string_view action, const OpenOrder* order,
              std::optional<int64_t> stock = std::nullopt) {
    const auto seen = stock ? stock : signal.stock;
    info("alert: item {}{}: {}{}", signal.item_id, seen ? fmt::format(" (stock {})", *seen) : "", action,
         order != nullptr ? fmt::format(" (order {}, {} units)", order->id, order->quantity) : "");
    if (!m_options.alerts_jsonl) return;
    std::string line = fmt::format("{{\"item_id\": {}, \"stock\": {}, \"action\": ", signal.item_id,
                                   seen ? std::to_string(*seen) : std::string("null"));
    append_json_string(line, action);
    if (order != nullptr) line += fmt::format(", \"order_id\": {}, \"quantity\": {}", order->id, order->quantity);
    line += "}\n";
    m_out.write(line);
    m_out.flush();
  }

  // Runs a MySQL step, reconnecting (with backoff, for up to --retry-for) when the
  // connection is lost. After a reconnect the open orders are read again: whatever a
  // lost COMMIT did is then known, and the step is retried against the truth.
  template <typename Step>
  auto with_connection(Step&& step) -> decltype(step()) {
    Outage outage(m_retry_for);
    for (;;) {
      std::string reason;
      try {
        if (!m_warehouse.connected()) {
          m_warehouse.connect();
          ++m_counts.reconnects;
          m_schedule.clear();
          resume_open_orders();
        }
        return step();
      } catch (const sql::SQLException& error) {
        reason = fmt::format("{} ({})", m_url.masked(), describe_mysql_error(error));
        if (!is_connection_lost(error)) throw Error(reason);
      } catch (const Error& error) {
        if (m_warehouse.connected()) throw;
        reason = error.what();
      }
      m_warehouse.disconnect();
      info("connection lost ({}); reconnecting", reason);
      if (!outage.wait_before_retry(reason)) throw Error("interrupted while reconnecting");
    }
  }

  int finish() {
    const Counts& c = m_counts;
    info("{} alert(s): {} order(s) {}, {} already on order, {} at target, {} unknown item(s); {} delivered ({} units); "
         "{} open order(s) left; {} malformed line(s) of {}",
         c.alerts, c.placed, m_options.dry_run ? "would be placed" : "placed", c.already_open, c.not_needed,
         c.unknown_items, c.delivered, c.units_delivered, m_schedule.size(), c.malformed, c.lines);
    if (!m_options.report.summary_json.empty()) {
      Summary summary;
      summary.set("tool", std::string("shop-restock"))
          .set("database", m_url.masked())
          .set("lines", c.lines)
          .set("alerts", c.alerts)
          .set("orders_placed", c.placed)
          .set("already_on_order", c.already_open)
          .set("at_target", c.not_needed)
          .set("unknown_items", c.unknown_items)
          .set("delivered", c.delivered)
          .set("units_delivered", c.units_delivered)
          .set("open_orders_left", static_cast<uint64_t>(m_schedule.size()))
          .set("malformed_lines", c.malformed)
          .set("reconnects", c.reconnects)
          .set("dry_run", m_options.dry_run);
      summary.write_json_file(m_options.report.summary_json);
    }
    if (c.malformed > 0 && !m_options.lenient) {
      throw Error(fmt::format("{} malformed input line(s) skipped (--lenient accepts them)", c.malformed));
    }
    return 0;
  }

  const Options& m_options;
  int m_input;
  MysqlUrl m_url;
  Warehouse m_warehouse;
  nanoseconds m_lead_time{0};
  nanoseconds m_retry_for{0};
  QuantityRule m_rule;
  std::map<uint64_t, Scheduled> m_schedule;  // item -> its open order
  std::string m_partial;                     // an input line not yet complete
  Counts m_counts;
  bool m_format_hint_given = false;  // the "not a JSON line" hint, once per run
  StdoutWriter m_out;
};

}  // namespace

void add_options(CLI::App& app, Options& options) {
  app.add_option("--lead-time", options.lead_time, "Deliver each order this long after it was placed")
      ->type_name("D");
  app.add_option("--restock-to", options.restock_to, "Order enough to bring the item's stock to N")
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--quantity", options.quantity, "Order a fixed N units instead (overrides --restock-to)")
      ->transform(whole_number())
      ->type_name("N");
  app.add_flag("--alerts-jsonl", options.alerts_jsonl, "Also write each alert as one JSON line on stdout");
  app.add_flag("--lenient", options.lenient, "Exit 0 even when malformed input lines were skipped");
  app.add_flag("--dry-run", options.dry_run, "Print the orders it would place; write nothing");
  add_retry_for_option(app, options.retry_for);
  add_mysql_option(app, options.mysql_url);
  add_report_options(app, options.report);
  app.footer(
      "Reads shop-watch --format jsonl output of the low-stock view on stdin (rows with item_id and stock):\n"
      "  shop-watch --format jsonl low_stock_alerts | shop-restock\n"
      "Each item entering the view gets one warehouse order (none while one is open, also across restarts),\n"
      "delivered after --lead-time: stock up and the order 'delivered' in one transaction. At the end of\n"
      "the input it waits for its open deliveries; SIGINT leaves them in MySQL, resumed by the next run.");
}

int run(const Options& options, int input_fd, const Environment& env) {
  install_signal_handlers();
  apply_verbosity(options.report);
  return Restock(options, input_fd, env).execute();
}

int run(int argc, const char* const* argv) {
  Options options;
  return run_tool(
      "restock", "Low-stock alerts that place warehouse orders and deliver them", argc, argv,
      [&](CLI::App& app) { add_options(app, options); }, [&] { return run(options, STDIN_FILENO); });
}

}  // namespace shop::restock
