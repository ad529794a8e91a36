#include "core/find_max.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/diagnostics.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/summary.hpp"
#include "core/number_format.hpp"

namespace shop {

using std::chrono::nanoseconds;

StepVerdict judge_step(const StepMeasurement& step, nanoseconds slo) noexcept {
  if (step.errors > 0) return StepVerdict::errors;
  if (static_cast<double>(step.events) < 0.99 * step.planned_events) return StepVerdict::fell_behind;
  if (step.latency.percentile(0.99) > slo) return StepVerdict::over_slo;
  return StepVerdict::held;
}

std::string_view verdict_name(StepVerdict verdict) noexcept {
  switch (verdict) {
    case StepVerdict::held: return "held";
    case StepVerdict::fell_behind: return "fell behind";
    case StepVerdict::over_slo: return "p99 over the SLO";
    case StepVerdict::errors: return "errors";
  }
  return "?";
}

MaxRateSearch::MaxRateSearch(double start_rate, double precision, double min_rate, bool confirm_failures)
    : m_rate(start_rate),
      m_precision(precision),
      m_min_rate(std::min(min_rate, start_rate)),
      m_confirm_failures(confirm_failures) {}

const StepResult* MaxRateSearch::best() const noexcept { return m_best ? &m_steps[*m_best] : nullptr; }
const StepResult* MaxRateSearch::lowest_failed() const noexcept { return m_failed ? &m_steps[*m_failed] : nullptr; }

void MaxRateSearch::record(const StepResult& result) {
  if (m_finished) return;
  m_steps.push_back(result);
  const size_t index = m_steps.size() - 1;
  // A failure counts once the same rate has failed twice in a row: one stall of the sink
  // (a checkpoint, a neighbour on the machine) would otherwise bound the whole search.
  if (result.verdict != StepVerdict::held && m_confirm_failures && !m_confirming) {
    m_confirming = true;
    return;  // the same rate once more
  }
  m_confirming = false;
  if (result.verdict == StepVerdict::held) {
    if (!m_best || m_steps[*m_best].measured.target_rate < m_rate) m_best = index;
  } else if (!m_failed || m_steps[*m_failed].measured.target_rate > m_rate) {
    m_failed = index;
  }
  if (!m_failed) {  // nothing failed yet: keep doubling
    m_rate *= 2;
    return;
  }
  const double high = m_steps[*m_failed].measured.target_rate;
  if (!m_best) {  // nothing held yet: halve until something does
    m_rate = high / 2;
    if (m_rate < m_min_rate) m_finished = true;
    return;
  }
  const double low = m_steps[*m_best].measured.target_rate;
  if (high - low <= m_precision * low) {
    m_finished = true;
    return;
  }
  m_rate = (low + high) / 2;
}

std::string format_step_json(uint32_t step, const StepMeasurement& measured) {
  std::string histogram = "[";
  measured.latency.for_each_bucket([&](uint64_t edge, uint64_t count) {
    if (histogram.size() > 1) histogram += ", ";
    histogram += fmt::format("[{}, {}]", edge, count);
  });
  histogram += ']';
  // Rates and times in full precision: every instance must judge exactly the same sums.
  return fmt::format(
      "{{\"step\": {}, \"target_rate\": {}, \"seconds\": {}, \"planned_events\": {}, \"events\": {}, \"errors\": {}, "
      "\"histogram\": {}}}",
      step, measured.target_rate, measured.seconds, measured.planned_events, measured.events, measured.errors,
      histogram);
}

StepMeasurement parse_step_json(std::string_view text, uint32_t step, std::string_view source) {
  const auto bad = [&](std::string_view why) { return Error(fmt::format("{}: {}", source, why)); };
  simdjson::dom::parser parser;
  simdjson::dom::element document;
  if (const auto error = parser.parse(simdjson::padded_string(text)).get(document); error != simdjson::SUCCESS) {
    throw bad(fmt::format("not JSON ({})", simdjson::error_message(error)));
  }
  const auto number = [&](const char* key) {
    double value = 0;
    if (document[key].get_double().get(value) != simdjson::SUCCESS) {
      int64_t whole = 0;
      if (document[key].get_int64().get(whole) != simdjson::SUCCESS) throw bad(fmt::format("no number '{}'", key));
      value = static_cast<double>(whole);
    }
    return value;
  };
  const auto whole = [&](const char* key) {
    uint64_t value = 0;
    if (document[key].get_uint64().get(value) != simdjson::SUCCESS) throw bad(fmt::format("no count '{}'", key));
    return value;
  };
  if (whole("step") != step) throw bad(fmt::format("is not step {}", step));
  StepMeasurement measured;
  measured.target_rate = number("target_rate");
  measured.seconds = number("seconds");
  measured.planned_events = number("planned_events");
  measured.events = whole("events");
  measured.errors = whole("errors");
  simdjson::dom::array buckets;
  if (document["histogram"].get_array().get(buckets) != simdjson::SUCCESS) throw bad("no 'histogram' array");
  for (simdjson::dom::element bucket : buckets) {
    simdjson::dom::array pair;
    uint64_t edge = 0;
    uint64_t count = 0;
    if (bucket.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
        pair.at(0).get_uint64().get(edge) != simdjson::SUCCESS || pair.at(1).get_uint64().get(count) != simdjson::SUCCESS) {
      throw bad("a histogram bucket is not [upper_edge_ns, count]");
    }
    measured.latency.record_many(edge, count);
  }
  return measured;
}

namespace {

// The first tenth of a step settles: the rate has just changed, and events of the step
// before may still be completing.
nanoseconds settle_time(nanoseconds step_duration) { return step_duration / 10; }

// How often an instance that has reported a step looks for the others' files.
constexpr nanoseconds k_peer_check_interval = std::chrono::milliseconds(20);

// How long the instances wait for each other at the end of a step before giving up.
nanoseconds peer_timeout(nanoseconds step_duration) {
  return std::max<nanoseconds>(std::chrono::seconds(30), 3 * step_duration);
}

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Written whole or not at all (a temporary file renamed), so a reader never sees half.
void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr) throw Error(fmt::format("cannot write {} ({})", temporary, std::strerror(errno)));
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw Error(fmt::format("cannot write {} ({})", path, std::strerror(errno)));
  }
}

}  // namespace

RateFinder::RateFinder(const FindMaxSettings& settings, Instance instance, Pacer& pacer, IntervalReporter& intervals)
    : m_settings(settings),
      m_instance(instance),
      m_pacer(pacer),
      m_intervals(intervals),
      m_search(settings.start_rate, settings.precision) {
  m_intervals.set_step(m_step);
  if (m_instance.count > 1) {
    // A file of this instance left from an earlier run would be read as this run's.
    const std::string first = step_file(1, m_instance.index);
    struct stat status {};
    if (::stat(m_settings.directory.c_str(), &status) != 0 || !S_ISDIR(status.st_mode)) {
      throw Error(fmt::format("--find-max-dir: {} is not a directory", m_settings.directory));
    }
    if (::stat(first.c_str(), &status) == 0) {
      throw Error(fmt::format("--find-max-dir: {} is from an earlier run: give each run an empty directory", first));
    }
  }
}

std::string RateFinder::step_file(uint32_t step, uint32_t instance) const {
  return fmt::format("{}/step-{}-instance-{}-of-{}.json", m_settings.directory, step, instance, m_instance.count);
}

std::string RateFinder::stopped_file(uint32_t instance) const {
  return fmt::format("{}/stopped-instance-{}-of-{}", m_settings.directory, instance, m_instance.count);
}

void RateFinder::stop(nanoseconds elapsed) {
  if (m_ended) return;
  if (m_instance.count > 1 && m_waiting) {
    // This instance has reported the step it is in. If everyone has, it judges the step
    // as the others do; if not, it takes its figures back, so that no instance can
    // complete the step after it has gone, and all end with the steps before.
    uint32_t missing = 0;
    if (const auto shared = read_all_steps(missing)) {
      m_waiting.reset();
      conclude_step(*shared, elapsed, nullptr);
    } else {
      std::remove(step_file(m_step, m_instance.index).c_str());
    }
  }
  m_ended = true;
  if (m_instance.count > 1) write_file_atomically(stopped_file(m_instance.index), fmt::format("{}\n", m_step));
}

bool RateFinder::due(nanoseconds elapsed) const noexcept {
  if (m_ended) return false;
  if (m_waiting) return elapsed >= m_next_peer_check;
  if (!m_settled_at) return elapsed >= m_step_start + settle_time(m_settings.step_duration);
  return elapsed >= m_step_start + m_settings.step_duration;
}

std::optional<StepMeasurement> RateFinder::read_all_steps(uint32_t& missing) const {
  StepMeasurement shared;
  shared.target_rate = m_search.rate();
  for (uint32_t instance = 1; instance <= m_instance.count; ++instance) {
    const std::string path = step_file(m_step, instance);
    const auto text = read_whole_file(path);
    if (!text) {
      missing = instance;
      return std::nullopt;
    }
    const StepMeasurement theirs = parse_step_json(*text, m_step, path);
    if (theirs.target_rate != m_search.rate()) {
      throw Error(fmt::format("--find-max: instance {}/{} ran step {} at {}/s, this one at {}/s: give every "
                              "instance the same --rate, --slo-p99 and --step-duration",
                              instance, m_instance.count, m_step, format_rate(theirs.target_rate),
                              format_rate(m_search.rate())));
    }
    // Sums of counts, the longest window, and the histograms merged: every instance
    // adds the same figures, so all reach the same verdict.
    shared.seconds = std::max(shared.seconds, theirs.seconds);
    shared.planned_events += theirs.planned_events;
    shared.events += theirs.events;
    shared.errors += theirs.errors;
    shared.latency.merge(theirs.latency);
  }
  return shared;
}

std::optional<StepMeasurement> RateFinder::shared_measurement(const StepMeasurement& mine, nanoseconds elapsed) {
  if (m_instance.count == 1) return mine;
  if (!m_waiting) {
    write_file_atomically(step_file(m_step, m_instance.index), format_step_json(m_step, mine) + '\n');
    m_waiting = mine;
    m_waiting_since = elapsed;
  }
  uint32_t missing = 0;
  auto shared = read_all_steps(missing);
  if (shared) {
    m_waiting.reset();
    return shared;
  }
  if (read_whole_file(stopped_file(missing))) {
    // That instance's run ended (its --duration, a signal) before this step was in: so
    // does the search, with the steps before (that instance took back its figures).
    info("find-max: instance {}/{} stopped during step {}: the search ends with the steps before", missing,
         m_instance.count, m_step);
    m_ended = true;
    m_pacer.close();
    return std::nullopt;
  }
  m_next_peer_check = elapsed + k_peer_check_interval;
  if (elapsed - m_waiting_since > peer_timeout(m_settings.step_duration)) {
    throw Error(fmt::format("--find-max: instance {}/{} did not report step {} within {} ({} is missing)", missing,
                            m_instance.count, m_step, format_duration(peer_timeout(m_settings.step_duration)),
                            step_file(m_step, missing)));
  }
  return std::nullopt;  // the step's rate holds meanwhile
}

void RateFinder::begin_step(nanoseconds elapsed) {
  m_step_start = elapsed;
  m_settled_at.reset();
}

void RateFinder::update(nanoseconds elapsed, const StreamTotals& totals) {
  if (m_ended) return;
  if (!m_waiting && !m_settled_at) {
    if (elapsed < m_step_start + settle_time(m_settings.step_duration)) return;
    m_settled_at = elapsed;
    m_baseline = totals;
    return;
  }
  if (!m_waiting && elapsed < m_step_start + m_settings.step_duration) return;
  std::optional<StepMeasurement> measured;
  if (m_waiting) {
    measured = shared_measurement(*m_waiting, elapsed);
  } else {
    const IntervalRecord record = make_interval(m_pacer.schedule(), *m_settled_at, elapsed, m_baseline, totals);
    StepMeasurement mine;
    mine.target_rate = m_search.rate();
    mine.seconds = record.interval_s;
    mine.planned_events = record.planned_events;
    // What finished, not what was handed on: a page view queued in librdkafka is not
    // done until the broker has it (and a stalled broker must fail the step).
    mine.events = totals.completed - m_baseline.completed;
    mine.errors = record.errors;
    mine.latency = record.latency;
    measured = shared_measurement(mine, elapsed);
  }
  if (!measured) return;
  conclude_step(*measured, elapsed, &totals);
}

void RateFinder::conclude_step(const StepMeasurement& measured, nanoseconds elapsed, const StreamTotals* totals) {
  const StepResult result{measured, judge_step(measured, m_settings.slo_p99)};
  m_search.record(result);
  // The step's last interval is cut before the next step is in the schedule: what the
  // schedule planned within it is the old rate's. The search's last verdict goes on the
  // run's last interval (no totals: the run is ending).
  const bool last = m_search.finished() || totals == nullptr;
  if (last) {
    m_intervals.end_search(m_step, verdict_name(result.verdict), elapsed);
  } else {
    m_intervals.end_step(m_pacer.schedule(), elapsed, *totals, m_step, verdict_name(result.verdict));
  }
  info("find-max: step {} at {}/s {}: achieved {}/s, p99 {:.2f} ms{}{}", m_step, format_rate(result.measured.target_rate),
       verdict_name(result.verdict), format_grouped(result.measured.achieved_rate(), 1), to_ms(result.measured.latency.percentile(0.99)),
       result.measured.errors > 0 ? fmt::format(", {} errors", result.measured.errors) : std::string(),
       m_search.confirming() ? "; once more to confirm" : "");
  if (last || !m_pacer.change_rate(m_instance.share(m_search.rate()), elapsed)) {
    m_ended = true;
    m_pacer.close();
    return;
  }
  ++m_step;
  m_intervals.set_step(m_step);
  begin_step(elapsed);
}

std::string RateFinder::report(Summary& summary) const {
  const StepResult* best = m_search.best();
  const StepResult* failed = m_search.lowest_failed();
  summary.set("find_max_rate", best ? best->measured.target_rate : 0.0)
      .set("find_max_p99_ms", best ? to_ms(best->measured.latency.percentile(0.99)) : 0.0)
      .set("find_max_steps", static_cast<uint64_t>(m_search.steps().size()))
      .set("find_max_finished", m_search.finished())
      .set("find_max_slo_p99_ms", to_ms(m_settings.slo_p99))
      .set("find_max_step_seconds", std::chrono::duration<double>(m_settings.step_duration).count());
  const std::string unfinished =
      m_search.finished() ? std::string()
                          : fmt::format(" (the search stopped after {} step(s), before it narrowed to {:g}%)",
                                        m_search.steps().size(), m_settings.precision * 100);
  if (best == nullptr) {
    return failed ? fmt::format("find-max: no rate held, down to {}/s ({}){}", format_rate(failed->measured.target_rate),
                                verdict_name(failed->verdict), unfinished)
                  : fmt::format("find-max: no step ended{}", unfinished);
  }
  info("find-max: the highest rate that held is {}/s (achieved {}/s, p99 {:.2f} ms within the SLO of {}){}",
       format_rate(best->measured.target_rate), format_grouped(best->measured.achieved_rate(), 1), to_ms(best->measured.latency.percentile(0.99)),
       format_duration(m_settings.slo_p99), unfinished);
  if (failed != nullptr) {
    info("find-max: {}/s did not hold ({}: achieved {}/s, p99 {:.2f} ms)", format_rate(failed->measured.target_rate),
         verdict_name(failed->verdict), format_grouped(failed->measured.achieved_rate(), 1),
         to_ms(failed->measured.latency.percentile(0.99)));
  }
  return "";
}

}  // namespace shop
