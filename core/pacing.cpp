#include "core/pacing.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
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

Schedule::Schedule(double rate, std::optional<DailyCurve> curve) : m_rate(rate), m_curve(curve) {}

std::chrono::nanoseconds Schedule::due(uint64_t index) const noexcept {
  if (m_rate == 0 || index == 0) return std::chrono::nanoseconds::zero();
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
  const double expected = m_rate * (m_curve ? m_curve->integral(seconds) : seconds);
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
  if (duration_limit > std::chrono::nanoseconds::zero() && !m_schedule.unpaced()) {
    // A paced duration is a number of events: the ones due before it.
    const uint64_t within = m_schedule.events_before(duration_limit);
    m_limit = m_limit == 0 ? within : std::min(m_limit, within);
    if (m_limit == 0) m_limit = 1;  // a positive duration always allows the first event (due at 0)
  }
}

std::optional<Pacer::Claim> Pacer::claim(uint64_t batch, std::chrono::nanoseconds elapsed) noexcept {
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
