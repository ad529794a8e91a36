#pragma once
// --find-max (issue 15): the highest rate a sink sustains. The target is held flat for a
// step (--step-duration), raised by doubling while steps hold, then bisected between the
// highest rate that held and the lowest that did not, until they are within 5% of each
// other. A failed step is run once more at the same rate and counts only if it fails again. A step holds when the achieved rate is at most 1% below the target and the p99
// latency is within --slo-p99; latency counts from the intended send time, so a sink
// that stalls cannot hide it by slowing the sender (no coordinated omission).
//
// Both streams share it: MaxRateSearch is the pure search; RateFinder runs it over a
// Pacer from the tool's reporting loop, and with --instance K/N over several processes
// that agree on every step through files in --find-max-dir.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/instance.hpp"
#include "core/interval_report.hpp"
#include "core/pacing.hpp"

namespace shop {

class Summary;

struct FindMaxSettings {
  double start_rate = 100;  // the first step's rate, of the shared load (--rate)
  std::chrono::nanoseconds slo_p99{std::chrono::milliseconds(100)};
  std::chrono::nanoseconds step_duration{std::chrono::seconds(10)};
  double precision = 0.05;  // the search ends when (lowest failed - highest held) <= this x highest held
  std::string directory;    // --find-max-dir: where N instances meet; empty with one
};

// What a step measured over its settled part (after the first tenth, so a change of rate
// does not count against it), for the shared load: with N instances, their sums.
struct StepMeasurement {
  double target_rate = 0;  // of the shared load
  double seconds = 0;
  double planned_events = 0;
  uint64_t events = 0;
  uint64_t errors = 0;
  LatencyHistogram latency;
  [[nodiscard]] double achieved_rate() const noexcept { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

enum class StepVerdict { held, fell_behind, over_slo, errors };

// held, or why not: achieved more than 1% below the planned events, p99 over `slo`,
// failed deliveries or transactions.
[[nodiscard]] StepVerdict judge_step(const StepMeasurement& step, std::chrono::nanoseconds slo) noexcept;
// "held", "fell behind", "p99 over the SLO", "errors": the report's words.
[[nodiscard]] std::string_view verdict_name(StepVerdict verdict) noexcept;

struct StepResult {
  StepMeasurement measured;
  StepVerdict verdict;
};

class MaxRateSearch {
 public:
  // Below `min_rate` a search that found nothing gives up. `confirm_failures`: a step
  // that fails is run once more at the same rate, and counts only if it fails again.
  MaxRateSearch(double start_rate, double precision, double min_rate = 1.0, bool confirm_failures = true);

  // The rate of the step to run now (of the shared load).
  [[nodiscard]] double rate() const noexcept { return m_rate; }
  [[nodiscard]] bool finished() const noexcept { return m_finished; }
  // The last step failed, and the next runs the same rate to confirm it.
  [[nodiscard]] bool confirming() const noexcept { return m_confirming; }
  // The step at rate() ended so: choose the next rate, or finish.
  void record(const StepResult& result);
  // The highest rate that held, and the lowest above it that did not (nullptr: none yet).
  [[nodiscard]] const StepResult* best() const noexcept;
  [[nodiscard]] const StepResult* lowest_failed() const noexcept;
  [[nodiscard]] const std::vector<StepResult>& steps() const noexcept { return m_steps; }

 private:
  double m_rate;
  double m_precision;
  double m_min_rate;
  bool m_confirm_failures;
  bool m_confirming = false;
  bool m_finished = false;
  std::vector<StepResult> m_steps;
  std::optional<size_t> m_best;    // index into m_steps
  std::optional<size_t> m_failed;  // the lowest failure above m_best
};

// A step's measurement as one JSON line (the interval report's fields and histogram, and
// the step's number and shared rate), and back: what instances exchange in --find-max-dir.
[[nodiscard]] std::string format_step_json(uint32_t step, const StepMeasurement& measured);
// Throws Error naming `source` when the text is not such a line.
[[nodiscard]] StepMeasurement parse_step_json(std::string_view text, uint32_t step, std::string_view source);

// Runs the search over a running Pacer with a stepped schedule. One thread (the tool's
// reporting loop) calls due() as often as it likes and update() when it is due.
class RateFinder {
 public:
  // Its steps are numbered in `intervals` from here on.
  RateFinder(const FindMaxSettings& settings, Instance instance, Pacer& pacer, IntervalReporter& intervals);

  // A step's settled part begins or ends now: call update() with the totals.
  [[nodiscard]] bool due(std::chrono::nanoseconds elapsed) const noexcept;
  // Ends the step when its time is up: judges it (with the other instances' figures when
  // there are several), reports it in `intervals` and on stderr, and starts the next step
  // or, when the search is over, closes the pacer. Throws Error when an instance's file
  // cannot be written or read, or when the others do not report in time.
  void update(std::chrono::nanoseconds elapsed, const StreamTotals& totals);
  [[nodiscard]] bool finished() const noexcept { return m_search.finished(); }
  // The tool's sending ended (--duration, a signal, an error) before the search did. With
  // several instances it leaves a marker in --find-max-dir, so the others end their search
  // there too instead of waiting for this one's next step.
  void stop(std::chrono::nanoseconds elapsed);

  // The result on stderr and in the summary (find_max_rate, find_max_p99_ms,
  // find_max_steps, find_max_finished, find_max_slo_p99_ms, find_max_step_seconds).
  // Returns the run's error when no step held (the summary is filled in either way, to
  // be written before the tool exits 1 with it), else "".
  [[nodiscard]] std::string report(Summary& summary) const;

 private:
  [[nodiscard]] std::string step_file(uint32_t step, uint32_t instance) const;
  [[nodiscard]] std::string stopped_file(uint32_t instance) const;
  // Everyone's figures for the step, once all N files are there; else nullopt and the
  // first instance without one in `missing`.
  [[nodiscard]] std::optional<StepMeasurement> read_all_steps(uint32_t& missing) const;
  // Judges the step, reports it and starts the next (totals nullptr: the run is ending).
  void conclude_step(const StepMeasurement& measured, std::chrono::nanoseconds elapsed, const StreamTotals* totals);
  // With several instances: this one's figures out, everyone's in (nullopt: not all yet).
  [[nodiscard]] std::optional<StepMeasurement> shared_measurement(const StepMeasurement& mine,
                                                                  std::chrono::nanoseconds elapsed);
  void begin_step(std::chrono::nanoseconds elapsed);

  FindMaxSettings m_settings;
  Instance m_instance;
  Pacer& m_pacer;
  IntervalReporter& m_intervals;
  MaxRateSearch m_search;
  uint32_t m_step = 1;
  std::chrono::nanoseconds m_step_start{0};
  std::optional<std::chrono::nanoseconds> m_settled_at;  // when the baseline was read
  StreamTotals m_baseline;
  std::optional<StepMeasurement> m_waiting;  // this instance's figures, the others' not all in
  std::chrono::nanoseconds m_waiting_since{0};
  std::chrono::nanoseconds m_next_peer_check{0};
  bool m_ended = false;  // the search finished, or cannot go on (no room for a step, stopped)
};

}  // namespace shop
