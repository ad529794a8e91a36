#include "core/interval_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "core/number_format.hpp"

namespace shop {

IntervalRecord make_interval(const Schedule& schedule, std::chrono::nanoseconds from, std::chrono::nanoseconds to,
                             const StreamTotals& before, const StreamTotals& after, uint64_t event_limit) {
  IntervalRecord record;
  const double start = std::chrono::duration<double>(from).count();
  record.elapsed_s = std::chrono::duration<double>(to).count();
  record.interval_s = record.elapsed_s - start;
  record.events = after.events - before.events;
  record.errors = after.errors - before.errors;
  record.reconnects = after.reconnects - before.reconnects;
  record.lag_ms = to_ms(after.lag);
  record.latency = after.latency.since(before.latency);
  if (!schedule.unpaced()) {
    const auto planned_before = [&](double seconds) {
      const double events = schedule.events_at(seconds);
      return event_limit == 0 ? events : std::min(events, static_cast<double>(event_limit));
    };
    record.planned_events = planned_before(record.elapsed_s) - planned_before(start);
    record.target_rate = record.interval_s > 0 ? record.planned_events / record.interval_s : 0.0;
  }
  record.achieved_rate = record.interval_s > 0 ? static_cast<double>(record.events) / record.interval_s : 0.0;
  return record;
}

std::string format_interval_line(const IntervalRecord& record) {
  std::string step;
  if (record.step) {
    step = fmt::format(" step {}", *record.step);
    if (!record.step_verdict.empty()) step += " " + record.step_verdict;
  }
  return fmt::format(
      "[ {:.1f}s ] target {} achieved {}/s ({} events) latency p50 {:.2f} ms p99 {:.2f} ms max {:.2f} ms errors {} "
      "lag {:.0f} ms reconnects {}{}",
      record.elapsed_s, record.target_rate ? format_grouped(*record.target_rate, 1) + "/s" : std::string("max"),
      format_grouped(record.achieved_rate, 1), format_grouped(record.events), to_ms(record.latency.percentile(0.5)), to_ms(record.latency.percentile(0.99)),
      to_ms(record.latency.max()), record.errors, record.lag_ms, record.reconnects, step);
}

std::string format_interval_json(const IntervalRecord& record) {
  std::string histogram = "[";
  record.latency.for_each_bucket([&](uint64_t edge, uint64_t count) {
    if (histogram.size() > 1) histogram += ", ";
    histogram += fmt::format("[{}, {}]", edge, count);
  });
  histogram += ']';
  std::string step;
  if (record.step) {
    step = fmt::format(", \"step\": {}", *record.step);
    if (!record.step_verdict.empty()) {
      step += ", \"step_verdict\": ";
      append_json_string(step, record.step_verdict);
    }
  }
  return fmt::format(
      "{{\"elapsed_s\": {:.3f}, \"interval_s\": {:.3f}, \"target_rate\": {}, \"planned_events\": {:.1f}, "
      "\"events\": {}, \"achieved_rate\": {:.1f}, \"latency_ms\": {{\"p50\": {:.3f}, \"p99\": {:.3f}, \"max\": {:.3f}}}, "
      "\"errors\": {}, \"lag_ms\": {:.1f}, \"reconnects\": {}{}, \"histogram\": {}}}",
      record.elapsed_s, record.interval_s, record.target_rate ? fmt::format("{:.1f}", *record.target_rate) : "null",
      record.planned_events, record.events, record.achieved_rate, to_ms(record.latency.percentile(0.5)),
      to_ms(record.latency.percentile(0.99)), to_ms(record.latency.max()), record.errors, record.lag_ms,
      record.reconnects, step, histogram);
}

void write_latency_histogram(const std::string& path, const LatencyHistogram& histogram) {
  const std::string text = percentile_distribution(histogram);
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw Error(fmt::format("cannot write {} ({})", path, std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) throw Error(fmt::format("cannot write {} ({})", path, std::strerror(errno)));
}

IntervalReporter::IntervalReporter(std::chrono::nanoseconds every, const std::string& jsonl_path,
                                   std::string histogram_path)
    : m_every(every),
      m_lines(every > std::chrono::nanoseconds::zero()),
      m_path(jsonl_path),
      m_histogram_path(std::move(histogram_path)) {
  if (!jsonl_path.empty()) {
    m_file = std::fopen(jsonl_path.c_str(), "w");
    if (m_file == nullptr) throw Error(fmt::format("cannot write {} ({})", jsonl_path, std::strerror(errno)));
    if (m_every <= std::chrono::nanoseconds::zero()) m_every = std::chrono::seconds(1);
  }
  m_next = m_every;
}

IntervalReporter::~IntervalReporter() {
  if (m_file != nullptr) std::fclose(m_file);
}

void IntervalReporter::update(const Pacer& pacer, std::chrono::nanoseconds elapsed, const StreamTotals& totals,
                              bool last) {
  if (!enabled()) return;
  if (!last && pacer.past_planned_end(elapsed)) {
    m_next = std::chrono::nanoseconds::max();  // due() no more: the totals are not read again for nothing
    return;
  }
  // The search's verdict always gets its interval, even when nothing finished after the
  // search ended (a sink stalled at the end).
  if (last && !m_final_verdict.empty()) elapsed = std::max(elapsed, m_search_end);
  if (!last && elapsed < m_next) return;
  if (last && elapsed <= m_last_elapsed) return;
  IntervalRecord record =
      make_interval(pacer.schedule(), m_last_elapsed, elapsed, m_last, totals, pacer.event_limit());
  record.step = m_step;
  if (last) record.step_verdict = m_final_verdict;
  write(record);
  m_last = totals;
  m_last_elapsed = elapsed;
  // The next boundary on the grid of whole intervals, so late reports do not drift.
  while (m_next <= elapsed) m_next += m_every;
}

void IntervalReporter::write(const IntervalRecord& record) {
  if (m_lines) write_stderr_line(format_interval_line(record));
  if (m_file != nullptr) {
    const std::string line = format_interval_json(record) + '\n';
    if (std::fwrite(line.data(), 1, line.size(), m_file) != line.size() || std::fflush(m_file) != 0) {
      throw Error(fmt::format("cannot write {} ({})", m_path, std::strerror(errno)));
    }
  }
}

void IntervalReporter::end_step(const Schedule& schedule, std::chrono::nanoseconds elapsed, const StreamTotals& totals,
                                uint32_t step, std::string_view verdict) {
  if (!enabled() || elapsed <= m_last_elapsed) return;
  IntervalRecord record = make_interval(schedule, m_last_elapsed, elapsed, m_last, totals);
  record.step = step;
  record.step_verdict = verdict;
  write(record);
  m_last = totals;
  m_last_elapsed = elapsed;
  // The next step's intervals count from its start, so every instance of a shared search
  // cuts each step alike (scripts/merge-reports.sh pairs them by their place in the step).
  m_next = elapsed + m_every;
}

void IntervalReporter::finish(const Pacer& pacer, std::chrono::nanoseconds elapsed, const StreamTotals& totals) {
  if (pacer.exhausted() && !pacer.schedule().unpaced()) elapsed = std::max(elapsed, pacer.duration_limit());
  update(pacer, elapsed, totals, true);
  if (!m_histogram_path.empty()) write_latency_histogram(m_histogram_path, totals.latency);
}

}  // namespace shop
