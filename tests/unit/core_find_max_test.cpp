// --find-max (core/find_max): the verdict of a step, the search's sequence of rates, the
// exchange format of --find-max-dir, and the whole search (RateFinder over a Pacer with a
// stepped schedule) against a simulated sink whose capacity is known.
#include "core/find_max.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>

#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/summary.hpp"

namespace shop {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

StepMeasurement measured(double rate, uint64_t events, double planned, nanoseconds latency, uint64_t errors = 0) {
  StepMeasurement step;
  step.target_rate = rate;
  step.seconds = planned / rate;
  step.planned_events = planned;
  step.events = events;
  step.errors = errors;
  for (uint64_t i = 0; i < events; ++i) step.latency.record(latency);
  return step;
}

TEST(JudgeStep, HoldsWithinOnePercentAndTheSlo) {
  const auto slo = milliseconds(100);
  EXPECT_EQ(judge_step(measured(1000, 9900, 10000, milliseconds(5)), slo), StepVerdict::held);  // exactly 1% below
  EXPECT_EQ(judge_step(measured(1000, 9899, 10000, milliseconds(5)), slo), StepVerdict::fell_behind);
  EXPECT_EQ(judge_step(measured(1000, 10000, 10000, milliseconds(99)), slo), StepVerdict::held);
  EXPECT_EQ(judge_step(measured(1000, 10000, 10000, milliseconds(120)), slo), StepVerdict::over_slo);
  EXPECT_EQ(judge_step(measured(1000, 10000, 10000, milliseconds(5), 1), slo), StepVerdict::errors);
  // p99, not the max: 1% of slow events still holds, 2% does not.
  StepMeasurement tail = measured(1000, 9900, 10000, milliseconds(5));
  for (int i = 0; i < 100; ++i) tail.latency.record(seconds(2));
  tail.events = 10000;
  EXPECT_EQ(judge_step(tail, slo), StepVerdict::held);
  for (int i = 0; i < 100; ++i) tail.latency.record(seconds(2));
  EXPECT_EQ(judge_step(tail, slo), StepVerdict::over_slo);
}

// Runs the search against a sink that holds every rate up to `capacity`; the rates tried.
std::vector<double> search_against(double capacity, MaxRateSearch& search) {
  std::vector<double> tried;
  while (!search.finished() && tried.size() < 100) {
    const double rate = search.rate();
    tried.push_back(rate);
    const bool holds = rate <= capacity;
    search.record({measured(rate, holds ? 1000 : 500, 1000, milliseconds(1)),
                   holds ? StepVerdict::held : StepVerdict::fell_behind});
  }
  return tried;
}

TEST(MaxRateSearch, DoublesThenBisectsToWithinThePrecision) {
  MaxRateSearch search(100, 0.05, 1.0, /*confirm_failures=*/false);
  const auto tried = search_against(3000, search);
  EXPECT_EQ(tried, (std::vector<double>{100, 200, 400, 800, 1600, 3200, 2400, 2800, 3000, 3100}));
  ASSERT_TRUE(search.finished());
  ASSERT_NE(search.best(), nullptr);
  EXPECT_EQ(search.best()->measured.target_rate, 3000);
  EXPECT_EQ(search.lowest_failed()->measured.target_rate, 3100);
  EXPECT_EQ(search.steps().size(), tried.size());
}

TEST(MaxRateSearch, HalvesWhenTheFirstStepFails) {
  MaxRateSearch search(1000, 0.05, 1.0, false);
  const auto tried = search_against(300, search);
  EXPECT_EQ(tried, (std::vector<double>{1000, 500, 250, 375, 312.5, 281.25, 296.875, 304.6875}));
  EXPECT_EQ(search.best()->measured.target_rate, 296.875);
}

TEST(MaxRateSearch, EveryCapacityIsFoundWithinThePrecision) {
  for (double capacity : {1.6, 7.0, 99.0, 100.0, 101.0, 2345.0, 77777.0, 1e6}) {
    MaxRateSearch search(100, 0.05);
    (void)search_against(capacity, search);
    ASSERT_TRUE(search.finished()) << capacity;
    ASSERT_NE(search.best(), nullptr) << capacity;
    EXPECT_LE(search.best()->measured.target_rate, capacity);
    EXPECT_GE(search.best()->measured.target_rate, capacity / 1.05) << capacity;
  }
}

TEST(MaxRateSearch, FailuresAreConfirmedOnceMore) {
  MaxRateSearch search(100, 0.05);  // confirming failures, as --find-max does
  const auto tried = search_against(3000, search);
  EXPECT_EQ(tried, (std::vector<double>{100, 200, 400, 800, 1600, 3200, 3200, 2400, 2800, 3000, 3100, 3100}));
  EXPECT_EQ(search.best()->measured.target_rate, 3000);
  // One stall does not bound the search: 1600/s fails once, holds on the second try, and
  // the search goes on doubling.
  MaxRateSearch stalled(100, 0.05);
  for (double rate : {100.0, 200.0, 400.0, 800.0}) {
    ASSERT_EQ(stalled.rate(), rate);
    stalled.record({measured(rate, 1000, 1000, milliseconds(1)), StepVerdict::held});
  }
  stalled.record({measured(1600, 1000, 1000, milliseconds(300)), StepVerdict::over_slo});
  EXPECT_TRUE(stalled.confirming());
  EXPECT_EQ(stalled.rate(), 1600);
  stalled.record({measured(1600, 1000, 1000, milliseconds(1)), StepVerdict::held});
  EXPECT_FALSE(stalled.confirming());
  EXPECT_EQ(stalled.rate(), 3200);
  EXPECT_EQ(stalled.lowest_failed(), nullptr);
}

TEST(MaxRateSearch, GivesUpBelowTheLowestRate) {
  MaxRateSearch search(100, 0.05, 1.0, false);
  const auto tried = search_against(0.5, search);
  EXPECT_TRUE(search.finished());
  EXPECT_EQ(search.best(), nullptr);
  EXPECT_EQ(tried.back(), 1.5625);  // 100 / 2^6; the next, 0.78, is below 1/s
}

TEST(StepJson, RoundTripsEveryFigureAndTheHistogram) {
  StepMeasurement step = measured(2400.5, 21000, 21604.5, milliseconds(3), 2);
  step.latency.record(milliseconds(250));
  const StepMeasurement back = parse_step_json(format_step_json(4, step), 4, "file");
  EXPECT_EQ(back.target_rate, step.target_rate);
  EXPECT_EQ(back.seconds, step.seconds);
  EXPECT_EQ(back.planned_events, step.planned_events);
  EXPECT_EQ(back.events, step.events);
  EXPECT_EQ(back.errors, step.errors);
  EXPECT_EQ(back.latency.count(), step.latency.count());
  EXPECT_EQ(back.latency.percentile(0.99), step.latency.percentile(0.99));
  // A bucket read back stands at its upper edge: the max within the bucket's 3%.
  EXPECT_NEAR(to_ms(back.latency.max()), 250, 250 * 0.035);
  EXPECT_THROW((void)parse_step_json(format_step_json(4, step), 5, "file"), Error);  // another step's
  EXPECT_THROW((void)parse_step_json("{\"step\": 4}", 4, "file"), Error);
  EXPECT_THROW((void)parse_step_json("not json", 4, "file"), Error);
}

// A sink with one connection that completes an event every 1/capacity seconds, plus a
// fixed `delay` (a pipeline): events wait for the connection in order. Simulated time,
// so the test is exact and fast.
class SimulatedSink {
 public:
  SimulatedSink(double capacity, nanoseconds delay) : m_service(nanoseconds(static_cast<int64_t>(1e9 / capacity))), m_delay(delay) {}

  // Up to `now`: claims what is due and the connection can take, and counts what completed.
  void run_until(nanoseconds now, Pacer& pacer) {
    for (;;) {
      if (!m_held) m_held = pacer.claim(1, m_free);
      if (!m_held) break;
      const nanoseconds start = std::max(m_free, m_held->due);
      if (start + m_service > now) break;
      m_free = start + m_service;
      m_completions.push_back({m_free + m_delay, m_free + m_delay - m_held->due});
      m_held.reset();
    }
    while (!m_completions.empty() && m_completions.front().first <= now) {
      ++m_totals.events;
      ++m_totals.completed;
      m_totals.latency.record(m_completions.front().second);
      m_completions.pop_front();
    }
    m_totals.lag = pacer.behind(now);
  }
  [[nodiscard]] const StreamTotals& totals() const { return m_totals; }

 private:
  nanoseconds m_service;
  nanoseconds m_delay;
  nanoseconds m_free{0};
  std::optional<Pacer::Claim> m_held;
  std::deque<std::pair<nanoseconds, nanoseconds>> m_completions;  // (when, latency)
  StreamTotals m_totals;
};

struct Quiet {
  Quiet() { set_verbosity(Verbosity::quiet); }
  ~Quiet() { set_verbosity(Verbosity::normal); }
};

// The whole search over simulated time: returns the summary's fields.
Summary find_max_against(double capacity, nanoseconds delay, const FindMaxSettings& settings, bool* threw = nullptr) {
  Quiet quiet;
  Pacer pacer(Schedule::make_stepped(settings.start_rate), 0, nanoseconds::zero());
  IntervalReporter intervals(nanoseconds::zero(), "");
  RateFinder finder(settings, Instance{}, pacer, intervals);
  SimulatedSink sink(capacity, delay);
  for (nanoseconds now{0}; now < std::chrono::hours(1) && !finder.finished(); now += milliseconds(50)) {
    sink.run_until(now, pacer);
    if (finder.due(now)) finder.update(now, sink.totals());
  }
  Summary summary;
  const bool failed = !finder.report(summary).empty();  // no rate held
  if (threw) *threw = failed;
  return summary;
}

double field(const Summary& summary, std::string_view key) {
  const auto* value = summary.find(key);
  if (value == nullptr) return -1;
  if (const auto* number = std::get_if<double>(value)) return *number;
  if (const auto* count = std::get_if<uint64_t>(value)) return static_cast<double>(*count);
  if (const auto* flag = std::get_if<bool>(value)) return *flag ? 1 : 0;
  return -1;
}

TEST(RateFinder, FindsTheCapacityOfASimulatedSink) {
  FindMaxSettings settings;
  settings.step_duration = seconds(10);
  for (double capacity : {850.0, 3000.0, 12000.0}) {
    const Summary summary = find_max_against(capacity, nanoseconds::zero(), settings);
    const double found = field(summary, "find_max_rate");
    EXPECT_EQ(field(summary, "find_max_finished"), 1) << capacity;
    // Every rate the sink holds holds; above it the backlog grows, the achieved rate
    // falls short and the latency climbs: the search ends within 5% below capacity.
    EXPECT_LE(found, capacity) << capacity;
    EXPECT_GE(found, capacity / 1.05 / 1.01) << capacity;
    EXPECT_LT(field(summary, "find_max_p99_ms"), 100) << capacity;
  }
}

TEST(RateFinder, TheSloDecidesWhatHolds) {
  // Behind 80 ms of pipeline delay every event takes at least 81 ms: a 30 ms SLO is never
  // met (no rate held: an error), a 100 ms one is up to the capacity.
  FindMaxSettings settings;
  settings.slo_p99 = milliseconds(30);
  bool threw = false;
  const Summary none = find_max_against(1000, milliseconds(80), settings, &threw);
  EXPECT_TRUE(threw);
  EXPECT_EQ(field(none, "find_max_rate"), 0);
  settings.slo_p99 = milliseconds(100);
  const Summary some = find_max_against(1000, milliseconds(80), settings, &threw);
  EXPECT_FALSE(threw);
  EXPECT_GT(field(some, "find_max_rate"), 900);
}

TEST(RateFinder, AStepAfterOneThatFellBehindStartsWithoutItsBacklog) {
  // At 2x capacity the first step falls far behind; the next step (halved) must hold,
  // which it cannot if it inherited the backlog.
  FindMaxSettings settings;
  settings.start_rate = 2000;
  const Summary summary = find_max_against(1000, nanoseconds::zero(), settings);
  EXPECT_GE(field(summary, "find_max_rate"), 1000 / 1.05 / 1.01);
  EXPECT_LE(field(summary, "find_max_rate"), 1000);
}

TEST(RateFinder, InstancesAgreeOnEveryStepThroughTheDirectory) {
  Quiet quiet;
  const auto directory = std::filesystem::temp_directory_path() / fmt::format("find_max_test_{}", ::getpid());
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  FindMaxSettings settings;
  settings.directory = directory.string();
  // Two instances, each with half of a 3000/s sink; the second reports 200 ms later.
  std::vector<std::unique_ptr<Pacer>> pacers;
  std::vector<std::unique_ptr<IntervalReporter>> reporters;
  std::vector<std::unique_ptr<RateFinder>> finders;
  std::vector<SimulatedSink> sinks;
  for (uint32_t k = 1; k <= 2; ++k) {
    pacers.push_back(std::make_unique<Pacer>(Schedule::make_stepped(settings.start_rate / 2), 0, nanoseconds::zero()));
    reporters.push_back(std::make_unique<IntervalReporter>(nanoseconds::zero(), ""));
    finders.push_back(std::make_unique<RateFinder>(settings, Instance{k, 2}, *pacers.back(), *reporters.back()));
    sinks.emplace_back(1500, nanoseconds::zero());
  }
  for (nanoseconds now{0}; now < std::chrono::hours(1) && !(finders[0]->finished() && finders[1]->finished());
       now += milliseconds(50)) {
    for (size_t i = 0; i < 2; ++i) {
      const nanoseconds local = now - milliseconds(200) * i;
      if (local < nanoseconds::zero()) continue;
      sinks[i].run_until(local, *pacers[i]);
      if (finders[i]->due(local)) finders[i]->update(local, sinks[i].totals());
    }
  }
  Summary first;
  Summary second;
  EXPECT_EQ(finders[0]->report(first), "");
  EXPECT_EQ(finders[1]->report(second), "");
  EXPECT_EQ(first.to_json(), second.to_json());  // the same steps, the same verdicts
  EXPECT_GE(field(first, "find_max_rate"), 3000 / 1.05 / 1.01);
  EXPECT_LE(field(first, "find_max_rate"), 3000);
  EXPECT_TRUE(std::filesystem::exists(directory / "step-1-instance-2-of-2.json"));

  // A file of this instance from an earlier run is refused, not read as this run's.
  Pacer pacer(Schedule::make_stepped(50), 0, nanoseconds::zero());
  IntervalReporter intervals(nanoseconds::zero(), "");
  EXPECT_THROW(RateFinder(settings, Instance{1, 2}, pacer, intervals), Error);
  settings.directory = (directory / "missing").string();
  EXPECT_THROW(RateFinder(settings, Instance{1, 2}, pacer, intervals), Error);
  std::filesystem::remove_all(directory);
}

TEST(RateFinder, AnInstanceThatNeverReportsIsAnErrorAfterTheTimeout) {
  Quiet quiet;
  const auto directory = std::filesystem::temp_directory_path() / fmt::format("find_max_test_alone_{}", ::getpid());
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  FindMaxSettings settings;
  settings.directory = directory.string();
  settings.step_duration = seconds(2);
  Pacer pacer(Schedule::make_stepped(50), 0, nanoseconds::zero());
  IntervalReporter intervals(nanoseconds::zero(), "");
  RateFinder finder(settings, Instance{1, 2}, pacer, intervals);
  SimulatedSink sink(1000, nanoseconds::zero());
  std::string failure;
  nanoseconds now{0};
  for (; now < seconds(60) && failure.empty(); now += milliseconds(50)) {
    sink.run_until(now, pacer);
    try {
      if (finder.due(now)) finder.update(now, sink.totals());
    } catch (const Error& error) {
      failure = error.what();
    }
  }
  // The step ended at 2 s; the others get 30 s (at least 3 steps) to report.
  EXPECT_GE(now, seconds(32));
  EXPECT_LE(now, seconds(33));
  EXPECT_NE(failure.find("instance 2/2 did not report step 1 within 30.00 s"), std::string::npos) << failure;
  EXPECT_DOUBLE_EQ(pacer.schedule().rate_at(30), 50);  // meanwhile the step's rate held
  std::filesystem::remove_all(directory);
}

// Two instances searching together over simulated time, each with half of a 3,000/s
// sink, the second started `lag` later; instance `stopper` (0: none) ends its run at
// `stop_at` on its own clock. Returns both summaries.
std::pair<Summary, Summary> search_in_pair(nanoseconds lag, size_t stopper = 0, nanoseconds stop_at = {}) {
  Quiet quiet;
  static int run = 0;
  const auto directory =
      std::filesystem::temp_directory_path() / fmt::format("find_max_test_pair_{}_{}", ::getpid(), ++run);
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  FindMaxSettings settings;
  settings.directory = directory.string();
  std::vector<std::unique_ptr<Pacer>> pacers;
  std::vector<std::unique_ptr<IntervalReporter>> reporters;
  std::vector<std::unique_ptr<RateFinder>> finders;
  std::vector<SimulatedSink> sinks;
  for (uint32_t k = 1; k <= 2; ++k) {
    pacers.push_back(std::make_unique<Pacer>(Schedule::make_stepped(settings.start_rate / 2), 0, nanoseconds::zero()));
    reporters.push_back(std::make_unique<IntervalReporter>(nanoseconds::zero(), ""));
    finders.push_back(std::make_unique<RateFinder>(settings, Instance{k, 2}, *pacers.back(), *reporters.back()));
    sinks.emplace_back(1500, nanoseconds::zero());
  }
  std::vector<bool> running{true, true};
  for (nanoseconds now{0}; now < std::chrono::hours(1) && (running[0] || running[1]); now += milliseconds(50)) {
    for (size_t i = 0; i < 2; ++i) {
      const nanoseconds local = now - lag * static_cast<int64_t>(i);
      if (local < nanoseconds::zero() || !running[i]) continue;
      sinks[i].run_until(local, *pacers[i]);
      if (finders[i]->due(local)) finders[i]->update(local, sinks[i].totals());
      if (pacers[i]->closed()) running[i] = false;  // the search ended (or gave up) here
    }
    for (size_t i = 0; i < 2; ++i) {
      const nanoseconds local = now - lag * static_cast<int64_t>(i);
      if (stopper == i + 1 && running[i] && local >= stop_at) {
        finders[i]->stop(local);
        running[i] = false;
      }
    }
  }
  std::pair<Summary, Summary> summaries;
  (void)finders[0]->report(summaries.first);  // the callers compare the summaries
  (void)finders[1]->report(summaries.second);
  std::filesystem::remove_all(directory);
  return summaries;
}

TEST(RateFinder, InstancesAgreeWhicheverEndsFirst) {
  // Steps end at 10, 20, 30 s (+ the wait for the other): 100, 200, 400/s held.
  // Instance 2 ends in step 3 before reporting it: both end with steps 1 and 2.
  auto [first, second] = search_in_pair(milliseconds(200), 2, seconds(25));
  EXPECT_EQ(first.to_json(), second.to_json());
  EXPECT_EQ(field(first, "find_max_steps"), 2);
  EXPECT_EQ(field(first, "find_max_finished"), 0);
  EXPECT_EQ(field(first, "find_max_rate"), 200);
  // Instance 1 ends while waiting for instance 2's step 3 (3 s late): it takes its
  // figures back, and both end with steps 1 and 2.
  std::tie(first, second) = search_in_pair(seconds(3), 1, seconds(31));
  EXPECT_EQ(first.to_json(), second.to_json());
  EXPECT_EQ(field(first, "find_max_steps"), 2);
  // Instance 1 ends just as instance 2's step 3 comes in: everyone has reported it, so it
  // judges it as instance 2 does. (Step 3 ends at 30.55 s on instance 1's clock: it
  // waited 0.5 s for step 1, then a 50 ms tick for step 2.)
  std::tie(first, second) = search_in_pair(milliseconds(500), 1, milliseconds(30550));
  EXPECT_EQ(first.to_json(), second.to_json());
  EXPECT_EQ(field(first, "find_max_steps"), 3);
  EXPECT_EQ(field(first, "find_max_rate"), 400);
}

TEST(RateFinder, InstancesThatRanAnotherRateAreAnError) {
  Quiet quiet;
  const auto directory = std::filesystem::temp_directory_path() / fmt::format("find_max_test_rate_{}", ::getpid());
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  std::ofstream(directory / "step-1-instance-2-of-2.json") << format_step_json(1, measured(300, 10, 10, milliseconds(1)));
  FindMaxSettings settings;
  settings.directory = directory.string();
  Pacer pacer(Schedule::make_stepped(50), 0, nanoseconds::zero());
  IntervalReporter intervals(nanoseconds::zero(), "");
  RateFinder finder(settings, Instance{1, 2}, pacer, intervals);
  SimulatedSink sink(1000, nanoseconds::zero());
  bool threw = false;
  for (nanoseconds now{0}; now < seconds(20) && !threw; now += milliseconds(50)) {
    sink.run_until(now, pacer);
    try {
      if (finder.due(now)) finder.update(now, sink.totals());
    } catch (const Error& error) {
      threw = true;
      EXPECT_NE(std::string(error.what()).find("ran step 1 at 300/s, this one at 100/s"), std::string::npos)
          << error.what();
    }
  }
  EXPECT_TRUE(threw);
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace shop
