#pragma once
// Pacing on an absolute schedule (DESIGN.md): event i is due at start + due(i); a sender
// sends everything that is due on each wake-up, so the achieved rate matches the target
// however long each send takes, and lag (now - due) shows when the sink cannot keep up.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop {

// "--rate": a positive number of events per second, or "max" (returned as 0: unpaced).
// Throws UsageError naming `flag`.
[[nodiscard]] double parse_rate(std::string_view text, std::string_view flag);

// The daily curve: the rate is modulated by 1 + A*sin(2*pi*t/L), so a run starts at the
// day's average, peaks a quarter day in, and is quietest at three quarters. Mean factor 1
// over a whole day, so the daily volume equals rate x day length.
class DailyCurve {
 public:
  explicit DailyCurve(std::chrono::nanoseconds day_length, double amplitude = 0.6);
  [[nodiscard]] double factor(double seconds) const noexcept;
  // Integral of factor() from 0 to `seconds`.
  [[nodiscard]] double integral(double seconds) const noexcept;
  [[nodiscard]] double amplitude() const noexcept { return m_amplitude; }
  [[nodiscard]] double day_seconds() const noexcept { return m_day_seconds; }

 private:
  double m_day_seconds;
  double m_amplitude;
};

// One stage of --stages: over `duration` the target rate moves linearly from where the
// previous stage ended to `rate` (k6's stages: k6.io/docs/using-k6/k6-options/reference/#stages).
struct Stage {
  std::chrono::nanoseconds duration;
  double rate;  // events per second, 0 or more
};

// "30s:1000,2m:20000,1m:20000,30s:0". Throws UsageError naming `flag` and the stage
// (its number and text) that is wrong: a missing or bad duration, a rate that is not a
// number or negative, an empty stage.
[[nodiscard]] std::vector<Stage> parse_stages(std::string_view text, std::string_view flag);

class Schedule {
 public:
  // rate 0 = unpaced ("max"): every event is due at once.
  explicit Schedule(double rate, std::optional<DailyCurve> curve = std::nullopt);
  // Staged: the rate starts at `start_rate` and follows `stages` in turn; after the last
  // stage it stays at the last one's rate. The daily curve, if any, multiplies on top.
  // Still absolute: event i is due when the integral of the rate reaches i.
  Schedule(double start_rate, const std::vector<Stage>& stages, std::optional<DailyCurve> curve = std::nullopt);
  // --find-max: a flat rate that changes in steps while senders run (Pacer::change_rate);
  // the first step runs at `first_rate` from the start. Copies share the steps.
  [[nodiscard]] static Schedule make_stepped(double first_rate);
  [[nodiscard]] bool unpaced() const noexcept { return m_rate == 0 && m_segments.empty() && !m_steps; }
  [[nodiscard]] bool stepped() const noexcept { return m_steps != nullptr; }
  // The flat rate (0 for a staged schedule: see rate_at()).
  [[nodiscard]] double rate() const noexcept { return m_rate; }
  [[nodiscard]] bool staged() const noexcept { return !m_segments.empty(); }
  // The target rate at `seconds` from the start, curve included.
  [[nodiscard]] double rate_at(double seconds) const noexcept;
  // The events planned before `seconds` from the start: the integral of the rate.
  [[nodiscard]] double events_at(double seconds) const noexcept;
  // A staged schedule's length (the sum of its stages), else 0.
  [[nodiscard]] std::chrono::nanoseconds stages_duration() const noexcept { return m_stages_duration; }
  // Offset from the start at which event `index` (0-based) is due.
  [[nodiscard]] std::chrono::nanoseconds due(uint64_t index) const noexcept;
  // How many events are due strictly before `offset`.
  [[nodiscard]] uint64_t events_before(std::chrono::nanoseconds offset) const noexcept;
  // The window over which `events` sent events count for the achieved rate, given the
  // time from the start to the last send: a paced run's N events span N intervals (its
  // window ends when the next would have been due), or longer if the sender fell behind.
  [[nodiscard]] std::chrono::nanoseconds window(uint64_t events, std::chrono::nanoseconds until_last_send) const noexcept {
    return unpaced() ? until_last_send : std::max(until_last_send, due(events));
  }

 private:
  // A stretch of a staged schedule: the rate goes linearly from rate0 at t0 to rate1 at
  // t1 (seconds); events0 were planned before t0. The last one is open-ended (t1 = inf,
  // the rate stays).
  struct Segment {
    double t0, t1, rate0, rate1, events0;
  };
  [[nodiscard]] double segment_events(const Segment& segment, double seconds) const noexcept;
  [[nodiscard]] double staged_due(double events) const noexcept;

  // A step of a stepped schedule: from t0 (seconds) the rate is `rate`, and event
  // `events0` is due at t0. Written by one thread (the search) while senders read:
  // a step is filled in before the count that publishes it is stored (release), and
  // never changes after, so readers need no lock.
  struct Step {
    double t0, rate, events0;
  };
  class StepTable {
   public:
    static constexpr size_t k_capacity = 256;  // a search takes a few dozen steps
    [[nodiscard]] size_t size() const noexcept { return m_size.load(std::memory_order_acquire); }
    [[nodiscard]] const Step& operator[](size_t index) const noexcept { return m_steps[index]; }
    // false when full.
    bool append(const Step& step) noexcept;

   private:
    std::array<Step, k_capacity> m_steps{};
    std::atomic<size_t> m_size{0};
  };
  // The step in force at `seconds` / the one event `events` falls in: the last published
  // step starting at or before it.
  [[nodiscard]] const Step& step_at_time(double seconds) const noexcept;
  [[nodiscard]] const Step& step_of_event(double events) const noexcept;
  friend class Pacer;  // appends steps

  double m_rate;
  std::optional<DailyCurve> m_curve;
  std::vector<Segment> m_segments;
  std::chrono::nanoseconds m_stages_duration{0};
  std::shared_ptr<StepTable> m_steps;  // stepped schedules only
};

// Time source of a paced loop; tests inject a manual clock.
class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  [[nodiscard]] virtual time_point now() = 0;
  // Sleeps until `deadline` or a stop request; false when woken by a stop request.
  virtual bool sleep_until(time_point deadline) = 0;
};

// steady_clock, sleeping through sleep_unless_stopped() (a signal wakes it).
class SteadyClock final : public Clock {
 public:
  time_point now() override { return std::chrono::steady_clock::now(); }
  bool sleep_until(time_point deadline) override;
};

// How late after the duration a paced sender may still claim the events due within it.
inline constexpr std::chrono::milliseconds k_late_send_grace{250};

// Hands out events to any number of sender threads: each claim takes the next `batch`
// events in schedule order. Ends at `count_limit` events (0: none) or at
// `duration_limit` (0: none): no event due at or after it, and none claimed once that
// much time has passed, plus k_late_send_grace when paced (a sender that fell behind
// stops on time; one that woke up a moment late still sends what was due).
class Pacer {
 public:
  struct Claim {
    uint64_t first;                // index of the first event
    uint64_t count;                // events in this claim (>= 1)
    std::chrono::nanoseconds due;  // when the last of them is due: send not before
  };

  Pacer(Schedule schedule, uint64_t count_limit, std::chrono::nanoseconds duration_limit);
  // nullopt once the limits are reached. `elapsed` = now - start (for unpaced durations).
  [[nodiscard]] std::optional<Claim> claim(uint64_t batch, std::chrono::nanoseconds elapsed) noexcept;
  [[nodiscard]] const Schedule& schedule() const noexcept { return m_schedule; }
  // Events claimed so far.
  [[nodiscard]] uint64_t claimed() const noexcept;
  // How far sending is behind the schedule `elapsed` into the run: the time since the
  // next event to claim was due (0 when unpaced or on time). It grows during an outage
  // or when the sink cannot keep up, unlike the lag of the last send.
  [[nodiscard]] std::chrono::nanoseconds behind(std::chrono::nanoseconds elapsed) const noexcept {
    if (m_schedule.unpaced()) return std::chrono::nanoseconds::zero();
    return std::max(std::chrono::nanoseconds::zero(), elapsed - m_schedule.due(claimed()));
  }
  // Every event the limits allow has been claimed (the run went its whole length).
  [[nodiscard]] bool exhausted() const noexcept { return m_limit != 0 && m_next.load() >= m_limit; }
  // The events the run plans in all (a paced --duration is the events due within it;
  // 0: no limit) and its --duration (0: none).
  [[nodiscard]] uint64_t event_limit() const noexcept { return m_limit; }
  [[nodiscard]] std::chrono::nanoseconds duration_limit() const noexcept { return m_duration_limit; }
  // The run's planned end has come `elapsed` into it: its duration has passed, or the
  // last event it plans was due (a paced run with a limit). No events are planned after.
  [[nodiscard]] bool past_planned_end(std::chrono::nanoseconds elapsed) const noexcept;

  // A stepped schedule only (--find-max): from `elapsed` on, the rate is `rate`. Events
  // due earlier and not yet claimed are dropped, not sent late: each step of a search
  // starts without the backlog of the one before (which did not hold, or it would have
  // none), so it measures its own rate. Claims already made keep their due times.
  // False when the schedule has no room for another step. Called by one thread.
  bool change_rate(double rate, std::chrono::nanoseconds elapsed) noexcept;
  // No more claims: the run ends once the senders have sent what they hold.
  void close() noexcept { m_closed.store(true); }
  [[nodiscard]] bool closed() const noexcept { return m_closed.load(); }

 private:
  Schedule m_schedule;
  uint64_t m_limit;  // 0: none
  std::chrono::nanoseconds m_duration_limit;
  std::atomic<uint64_t> m_next{0};
  std::atomic<bool> m_closed{false};
};

// Capped exponential backoff for reconnects: initial, 2x, 4x, ... up to `cap`.
class Backoff {
 public:
  Backoff(std::chrono::nanoseconds initial, std::chrono::nanoseconds cap) : m_initial(initial), m_cap(cap) {}
  [[nodiscard]] std::chrono::nanoseconds next() noexcept;
  void reset() noexcept { m_current = std::chrono::nanoseconds::zero(); }

 private:
  std::chrono::nanoseconds m_initial;
  std::chrono::nanoseconds m_cap;
  std::chrono::nanoseconds m_current{0};
};

// One stretch without a connection, as every program that reconnects rides it out:
// capped backoff between attempts (100 ms doubling to 2 s, so work resumes within 2 s
// of the server's return) and the --retry-for limit.
class Outage {
 public:
  explicit Outage(std::chrono::nanoseconds retry_for) : m_retry_for(retry_for) {}
  // The outage began now, unless it already had (otherwise the first failed attempt starts it).
  void begin();
  // After a failed attempt: sleeps before the next one; false when a stop was requested
  // meanwhile. Throws Error "no connection for <D> (--retry-for): <reason>" once
  // retry_for has passed since the outage began.
  bool wait_before_retry(const std::string& reason);
  // Connected again: the next failure starts a new outage.
  void end() noexcept;
  [[nodiscard]] bool ongoing() const noexcept { return m_since.has_value(); }

 private:
  std::chrono::nanoseconds m_retry_for;
  std::optional<std::chrono::steady_clock::time_point> m_since;
  Backoff m_backoff{std::chrono::milliseconds(100), std::chrono::seconds(2)};
};

}  // namespace shop
