#pragma once
// --report-interval D and --report-jsonl PATH (issue 15), as sysbench's --report-interval
// prints them: one line (and/or one JSON object) per interval with the elapsed time,
// target and achieved rate, latency p50/p99/max within the interval (from the intended
// send time, so a stalled sender cannot hide: no coordinated omission), errors, lag and
// reconnects. Shared by both streams; the final summary is unchanged.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/histogram.hpp"
#include "core/pacing.hpp"

namespace shop {

// What a tool has done so far (cumulative), read at each report.
struct StreamTotals {
  uint64_t events = 0;      // sent on schedule (page views handed to Kafka, purchases committed)
  uint64_t completed = 0;   // finished: delivered (page views), committed (purchases); --find-max judges these
  uint64_t errors = 0;      // failed deliveries, failed transactions
  uint64_t reconnects = 0;
  std::chrono::nanoseconds lag{0};  // how far sending is behind the schedule now
  LatencyHistogram latency;         // every latency so far
};

// One interval, as reported.
struct IntervalRecord {
  double elapsed_s = 0;           // at the interval's end
  double interval_s = 0;          // its length
  std::optional<double> target_rate;  // nullopt: unpaced (max)
  double planned_events = 0;      // what the schedule planned within it
  uint64_t events = 0;
  double achieved_rate = 0;
  uint64_t errors = 0;
  uint64_t reconnects = 0;
  double lag_ms = 0;
  LatencyHistogram latency;       // this interval's latencies only
  std::optional<uint32_t> step;   // --find-max: the step it belongs to
  std::string step_verdict;       // --find-max: on a step's last interval, how the step ended
};

// The interval between two readings of the totals, against the schedule. `event_limit`
// (Pacer::event_limit(), 0: none) caps the plan: a schedule goes on at its last rate past
// the run's end, but the run plans no event after its last.
[[nodiscard]] IntervalRecord make_interval(const Schedule& schedule, std::chrono::nanoseconds from,
                                           std::chrono::nanoseconds to, const StreamTotals& before,
                                           const StreamTotals& after, uint64_t event_limit = 0);
// "[ 10.0s ] target 1000.0/s achieved 998.0/s (998 events) latency p50 1.20 ms p99 3.40 ms max 5.60 ms errors 0 lag 0 ms reconnects 0",
// with --find-max " step 3" at the end (" step 3 held" on the step's last interval)
[[nodiscard]] std::string format_interval_line(const IntervalRecord& record);
// {"elapsed_s": ..., "interval_s": ..., "target_rate": ... or null, "planned_events": ..., "events": ...,
//  "achieved_rate": ..., "latency_ms": {"p50": ..., "p99": ..., "max": ...}, "errors": ..., "lag_ms": ...,
//  "reconnects": ..., "histogram": [[upper_edge_ns, count], ...]}  (the histogram for merging reports),
// with --find-max also "step": N and, on a step's last interval, "step_verdict": "held" or why not
[[nodiscard]] std::string format_interval_json(const IntervalRecord& record);

// Writes `histogram` as .hgrm text (percentile_distribution) to `path`; throws Error
// naming the file when it cannot.
void write_latency_histogram(const std::string& path, const LatencyHistogram& histogram);

// Writes the reports of one run. Not thread-safe: one reporting thread calls it.
class IntervalReporter {
 public:
  // `every` 0: no lines on stderr (a JSONL file alone reports once a second).
  // `jsonl_path` "": no file. Throws Error when the file cannot be created.
  // `histogram_path` (--latency-histogram) "": none; else finish() writes it.
  IntervalReporter(std::chrono::nanoseconds every, const std::string& jsonl_path,
                   std::string histogram_path = {});
  ~IntervalReporter();
  IntervalReporter(const IntervalReporter&) = delete;
  IntervalReporter& operator=(const IntervalReporter&) = delete;

  [[nodiscard]] bool enabled() const noexcept { return m_every > std::chrono::nanoseconds::zero(); }
  // An interval has ended: read the totals and call update() (reading them costs a
  // histogram copy, so a sending loop asks first).
  [[nodiscard]] bool due(std::chrono::nanoseconds elapsed) const noexcept { return enabled() && elapsed >= m_next; }
  // Reports the interval that ended now when its time has come (or `last`: the run's end,
  // whatever is left). Once the run's planned end has come, the interval is left to
  // finish(): a run of 4 s with intervals of 1 s has four, even when its last events are
  // sent or acknowledged a moment after 4 s.
  void update(const Pacer& pacer, std::chrono::nanoseconds elapsed, const StreamTotals& totals, bool last = false);
  // The run is over: its last, partial interval (up to the end of the schedule when the
  // run went its whole --duration, so the intervals' plans add up to the schedule's), and
  // the whole run's latency histogram.
  void finish(const Pacer& pacer, std::chrono::nanoseconds elapsed, const StreamTotals& totals);
  // --find-max: the step `step` ended now with `verdict`: its last interval ends here,
  // and the next step's intervals are counted from now.
  void end_step(const Schedule& schedule, std::chrono::nanoseconds elapsed, const StreamTotals& totals, uint32_t step,
                std::string_view verdict);
  // --find-max: the search ended with step `step` and `verdict`: the run's last interval,
  // which finish() writes once the senders have sent what they held, carries it (so no
  // sliver of an interval follows the verdict).
  // `elapsed`: when the search ended; the last interval reaches at least that far.
  void end_search(uint32_t step, std::string_view verdict, std::chrono::nanoseconds elapsed) {
    m_step = step;
    m_final_verdict = verdict;
    m_search_end = elapsed;
    m_next = std::chrono::nanoseconds::max();  // no more intervals on the grid: finish() writes the last
  }
  // --find-max: the intervals from now on belong to `step` (the first is step 1).
  void set_step(uint32_t step) noexcept { m_step = step; }

 private:
  std::chrono::nanoseconds m_every{0};
  bool m_lines = false;
  std::FILE* m_file = nullptr;
  std::string m_path;
  std::string m_histogram_path;
  std::chrono::nanoseconds m_last_elapsed{0};
  std::chrono::nanoseconds m_next{0};
  StreamTotals m_last;
  std::optional<uint32_t> m_step;
  std::string m_final_verdict;  // end_search()
  std::chrono::nanoseconds m_search_end{0};
  void write(const IntervalRecord& record);
};

}  // namespace shop
