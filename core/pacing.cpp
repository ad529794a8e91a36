#include "core/pacing.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/duration.hpp"
#include "core/error.hpp"
#include "core/signals.hpp"

namespace shop {

double parse_rate(std::string_view text, std::string_view flag) {
  if (text == "max") return 0;
  double rate = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rate);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || !std::isfinite(rate)) {
    throw UsageError(fmt::format("{}: '{}' is not a rate (expected events per second, e.g. 20 or 1000, or max)", flag,
                                 text));
  }
  if (rate <= 0) throw UsageError(fmt::format("{}: must be greater than 0 (or max), got {}", flag, text));
  return rate;
}

DailyCurve::DailyCurve(std::chrono::nanoseconds day_length, double amplitude)
    : m_day_seconds(std::chrono::duration<double>(day_length).count()), m_amplitude(amplitude) {}

double DailyCurve::factor(double seconds) const noexcept {
  return 1.0 + m_amplitude * std::sin(2 * std::numbers::pi * seconds / m_day_seconds);
}

double DailyCurve::integral(double seconds) const noexcept {
  const double omega = 2 * std::numbers::pi / m_day_seconds;
  return seconds + m_amplitude / omega * (1.0 - std::cos(omega * seconds));
}

std::vector<Stage> parse_stages(std::string_view text, std::string_view flag) {
  std::vector<Stage> stages;
  size_t start = 0;
  for (size_t number = 1;; ++number) {
    const size_t comma = text.find(',', start);
    const std::string_view part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const auto bad = [&](std::string_view why) {
      return UsageError(fmt::format("{}: stage {} '{}': {} (expected DURATION:RATE, e.g. 30s:1000)", flag, number, part, why));
    };
    if (part.empty()) throw bad("empty");
    const size_t colon = part.find(':');
    if (colon == std::string_view::npos) throw bad("no ':' between the duration and the rate");
    const std::string_view duration_text = part.substr(0, colon);
    const std::string_view rate_text = part.substr(colon + 1);
    Stage stage{};
    if (duration_text.empty() || std::isdigit(static_cast<unsigned char>(duration_text.back())) != 0) {
      throw bad("the duration needs a unit (ms, s, m, h)");
    }
    try {
      stage.duration = parse_duration(duration_text, "duration");
    } catch (const UsageError& error) {
      throw bad(error.what());
    }
    if (stage.duration <= std::chrono::nanoseconds::zero()) throw bad("the duration must be greater than 0");
    const auto [end, error] = std::from_chars(rate_text.data(), rate_text.data() + rate_text.size(), stage.rate);
    if (rate_text.empty() || error != std::errc{} || end != rate_text.data() + rate_text.size() ||
        !std::isfinite(stage.rate)) {
      throw bad(fmt::format("'{}' is not a rate (events per second)", rate_text));
    }
    if (stage.rate < 0) throw bad("the rate must be 0 or more");
    stages.push_back(stage);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return stages;
}

Schedule::Schedule(double rate, std::optional<DailyCurve> curve) : m_rate(rate), m_curve(curve) {}

Schedule::Schedule(double start_rate, const std::vector<Stage>& stages, std::optional<DailyCurve> curve)
    : m_rate(0), m_curve(curve) {
  double t = 0;
  double rate = start_rate;
  double events = 0;
  for (const Stage& stage : stages) {
    const double length = std::chrono::duration<double>(stage.duration).count();
    Segment segment{t, t + length, rate, stage.rate, events};
    events = segment_events(segment, segment.t1);
    m_segments.push_back(segment);
    m_stages_duration += stage.duration;
    t += length;
    rate = stage.rate;
  }
  m_segments.push_back(Segment{t, std::numeric_limits<double>::infinity(), rate, rate, events});
}

Schedule Schedule::make_stepped(double first_rate) {
  Schedule schedule(0);
  schedule.m_steps = std::make_shared<StepTable>();
  schedule.m_steps->append(Step{0, first_rate, 0});
  return schedule;
}

bool Schedule::StepTable::append(const Step& step) noexcept {
  const size_t size = m_size.load(std::memory_order_relaxed);
  if (size == k_capacity) return false;
  m_steps[size] = step;
  m_size.store(size + 1, std::memory_order_release);
  return true;
}

const Schedule::Step& Schedule::step_at_time(double seconds) const noexcept {
  const StepTable& steps = *m_steps;
  size_t index = steps.size() - 1;
  while (index > 0 && steps[index].t0 > seconds) --index;  // the last steps are the ones asked for
  return steps[index];
}

const Schedule::Step& Schedule::step_of_event(double events) const noexcept {
  const StepTable& steps = *m_steps;
  size_t index = steps.size() - 1;
  while (index > 0 && steps[index].events0 > events) --index;
  return steps[index];
}

double Schedule::segment_events(const Segment& segment, double seconds) const noexcept {
  const double t = std::min(seconds, segment.t1);
  if (t <= segment.t0) return segment.events0;
  // rate(s) = a + b*s on [t0, t1]; times the daily curve 1 + A*sin(w*s) when there is one.
  const double slope = std::isinf(segment.t1) ? 0.0 : (segment.rate1 - segment.rate0) / (segment.t1 - segment.t0);
  const double a = segment.rate0 - slope * segment.t0;
  const auto primitive = [&](double x) {
    double value = a * x + slope * x * x / 2;
    if (m_curve) {
      const double amplitude = m_curve->amplitude();
      const double omega = 2 * std::numbers::pi / m_curve->day_seconds();
      value += amplitude * (-a * std::cos(omega * x) / omega +
                            slope * (std::sin(omega * x) / (omega * omega) - x * std::cos(omega * x) / omega));
    }
    return value;
  };
  return segment.events0 + std::max(0.0, primitive(t) - primitive(segment.t0));
}

double Schedule::rate_at(double seconds) const noexcept {
  if (m_steps) return step_at_time(seconds).rate;
  const double factor = m_curve ? m_curve->factor(seconds) : 1.0;
  if (m_segments.empty()) return m_rate * factor;
  for (const Segment& segment : m_segments) {
    if (seconds < segment.t1) {
      if (std::isinf(segment.t1)) return segment.rate0 * factor;
      const double share = std::max(0.0, seconds - segment.t0) / (segment.t1 - segment.t0);
      return (segment.rate0 + (segment.rate1 - segment.rate0) * share) * factor;
    }
  }
  return 0;
}

double Schedule::events_at(double seconds) const noexcept {
  if (seconds <= 0) return 0;
  if (m_steps) {
    const Step& step = step_at_time(seconds);
    return step.events0 + step.rate * (seconds - step.t0);
  }
  if (m_segments.empty()) return m_rate * (m_curve ? m_curve->integral(seconds) : seconds);
  // The segment holding `seconds`: the last whose t0 is not after it.
  const auto after = std::upper_bound(m_segments.begin(), m_segments.end(), seconds,
                                      [](double value, const Segment& segment) { return value < segment.t0; });
  return segment_events(*std::prev(after), seconds);
}

// The time at which `events` events have been planned: the first t with events_at(t) >= events.
double Schedule::staged_due(double events) const noexcept {
  // The segment in which the count is reached: the last that starts below it.
  auto segment = std::upper_bound(m_segments.begin(), m_segments.end(), events,
                                  [](double value, const Segment& s) { return value <= s.events0; });
  if (segment != m_segments.begin()) --segment;
  // Skip stretches at rate 0 that plan nothing.
  while (std::next(segment) != m_segments.end() && segment_events(*segment, segment->t1) < events) ++segment;
  if (std::isinf(segment->t1) && segment->rate0 <= 0) return std::numeric_limits<double>::infinity();
  double low = segment->t0;
  double high = segment->t1;
  if (std::isinf(high)) {  // the open end: a constant rate, so an upper bound by doubling
    high = low + 1;
    while (segment_events(*segment, high) < events) high = low + (high - low) * 2;
  }
  if (!m_curve && !std::isinf(segment->t1)) {
    // A linear rate: events planned over tau are rate0*tau + slope*tau^2/2; solved in the
    // form that stays exact as the slope goes to 0.
    const double slope = (segment->rate1 - segment->rate0) / (segment->t1 - segment->t0);
    const double needed = events - segment->events0;
    const double root = std::sqrt(std::max(0.0, segment->rate0 * segment->rate0 + 2 * slope * needed));
    const double denominator = segment->rate0 + root;
    if (denominator > 0) return std::min(segment->t1, segment->t0 + 2 * needed / denominator);
  }
  for (int iteration = 0; iteration < 100 && high - low > 1e-10; ++iteration) {
    const double middle = (low + high) / 2;
    (segment_events(*segment, middle) < events ? low : high) = middle;
  }
  return high;
}

std::chrono::nanoseconds Schedule::due(uint64_t index) const noexcept {
  if (index == 0) return std::chrono::nanoseconds::zero();
  if (m_steps) {
    const Step& step = step_of_event(static_cast<double>(index));
    const double seconds = step.t0 + (static_cast<double>(index) - step.events0) / step.rate;
    return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(seconds * 1e9)));
  }
  if (!m_segments.empty()) {
    const double seconds = staged_due(static_cast<double>(index));
    // Never (the rate went to 0 for good): later than any run.
    if (!std::isfinite(seconds) || seconds > 1e9) return std::chrono::hours(24 * 365 * 100);
    return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(seconds * 1e9)));
  }
  if (m_rate == 0) return std::chrono::nanoseconds::zero();
  const double target = static_cast<double>(index) / m_rate;  // seconds at a flat rate
  double t = target;
  if (m_curve) {
    // Solve integral(t) = target. The integral is strictly increasing (factor >= 1 - A > 0),
    // so Newton's method from the flat-rate guess, kept inside the bracket, converges.
    const double amplitude = m_curve->amplitude();
    double low = target / (1 + amplitude);
    double high = target / (1 - amplitude);
    for (int iteration = 0; iteration < 50; ++iteration) {
      const double error = m_curve->integral(t) - target;
      if (std::abs(error) < 1e-10 * std::max(1.0, target)) break;
      (error > 0 ? high : low) = t;
      t -= error / m_curve->factor(t);
      if (t <= low || t >= high) t = (low + high) / 2;
    }
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(t * 1e9)));
}

uint64_t Schedule::events_before(std::chrono::nanoseconds offset) const noexcept {
  const double seconds = std::chrono::duration<double>(offset).count();
  const double expected = events_at(seconds);
  // Event i is due at expected == i: those with i < expected, counting event 0.
  auto count = static_cast<uint64_t>(std::ceil(expected));
  // Guard the rounding at exact boundaries with the schedule itself.
  while (count > 0 && due(count - 1) >= offset) --count;
  while (due(count) < offset) ++count;
  return count;
}

bool SteadyClock::sleep_until(time_point deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  if (left <= std::chrono::nanoseconds::zero()) return !stop_requested();
  return sleep_unless_stopped(left);
}

Pacer::Pacer(Schedule schedule, uint64_t count_limit, std::chrono::nanoseconds duration_limit)
    : m_schedule(schedule), m_limit(count_limit), m_duration_limit(duration_limit) {
  // A stepped schedule's rates are not known in advance: its duration bounds the clock only.
  if (duration_limit > std::chrono::nanoseconds::zero() && !m_schedule.unpaced() && !m_schedule.stepped()) {
    // A paced duration is a number of events: the ones due before it.
    const uint64_t within = m_schedule.events_before(duration_limit);
    m_limit = m_limit == 0 ? within : std::min(m_limit, within);
    if (m_limit == 0) m_limit = 1;  // a positive duration always allows the first event (due at 0)
  }
}

bool Pacer::past_planned_end(std::chrono::nanoseconds elapsed) const noexcept {
  if (m_duration_limit > std::chrono::nanoseconds::zero() && elapsed >= m_duration_limit) return true;
  return m_limit != 0 && !m_schedule.unpaced() && elapsed > m_schedule.due(m_limit - 1);
}

std::optional<Pacer::Claim> Pacer::claim(uint64_t batch, std::chrono::nanoseconds elapsed) noexcept {
  if (m_closed.load()) return std::nullopt;
  // The duration is also a wall-clock bound: a sender that fell behind stops on time
  // instead of working through its backlog. A paced sender gets a little grace, so one
  // that woke up a moment late still sends the last events due within the duration.
  if (m_duration_limit > std::chrono::nanoseconds::zero()) {
    const auto bound = m_schedule.unpaced() ? m_duration_limit : m_duration_limit + k_late_send_grace;
    if (elapsed >= bound) return std::nullopt;
  }
  const uint64_t first = m_next.fetch_add(batch);
  uint64_t count = batch;
  if (m_limit != 0) {
    if (first >= m_limit) return std::nullopt;
    count = std::min(batch, m_limit - first);
  }
  return Claim{first, count, m_schedule.due(first + count - 1)};
}

bool Pacer::change_rate(double rate, std::chrono::nanoseconds elapsed) noexcept {
  if (!m_schedule.m_steps) return false;
  const double t0 = std::chrono::duration<double>(elapsed).count();
  // Behind: start from the next event to claim (the backlog is dropped). Ahead (senders
  // hold claims not yet due): from where the old rate had got, so no event is skipped.
  const double events0 = std::min(static_cast<double>(claimed()), m_schedule.events_at(t0));
  return m_schedule.m_steps->append(Schedule::Step{t0, rate, events0});
}

uint64_t Pacer::claimed() const noexcept {
  const uint64_t next = m_next.load();
  return m_limit != 0 ? std::min(next, m_limit) : next;
}

std::chrono::nanoseconds Backoff::next() noexcept {
  m_current = m_current == std::chrono::nanoseconds::zero() ? m_initial : std::min(m_current * 2, m_cap);
  return m_current;
}

void Outage::begin() {
  if (!m_since) m_since = std::chrono::steady_clock::now();
}

bool Outage::wait_before_retry(const std::string& reason) {
  begin();
  if (std::chrono::steady_clock::now() - *m_since >= m_retry_for) {
    throw Error(fmt::format("no connection for {} (--retry-for): {}", format_duration(m_retry_for), reason));
  }
  return sleep_unless_stopped(m_backoff.next());
}

void Outage::end() noexcept {
  m_since.reset();
  m_backoff.reset();
}

}  // namespace shop
