#include "core/pacing.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace std::chrono_literals;
using shop::Pacer;
using shop::Schedule;

namespace {

// A clock that only moves when told: sleeping jumps straight to the deadline.
class ManualClock final : public shop::Clock {
 public:
  time_point now() override { return m_now; }
  bool sleep_until(time_point deadline) override {
    if (deadline > m_now) m_now = deadline;
    return true;
  }
  void advance(std::chrono::nanoseconds by) { m_now += by; }

 private:
  time_point m_now{};
};

struct RunResult {
  uint64_t sent_by_deadline = 0;
  std::chrono::nanoseconds max_lag{0};
  bool sent_early = false;
};

// The sender loop every paced tool runs: claim, sleep until due, send (taking
// `service_time(i)`), repeat; counts what was sent by `deadline`.
template <typename ServiceTime>
RunResult run_paced(Pacer& pacer, uint64_t batch, std::chrono::nanoseconds deadline, ServiceTime service_time) {
  ManualClock clock;
  const auto start = clock.now();
  RunResult result;
  while (auto claim = pacer.claim(batch, clock.now() - start)) {
    clock.sleep_until(start + claim->due);
    const auto lag = clock.now() - (start + claim->due);
    result.sent_early |= lag < 0ns;
    result.max_lag = std::max(result.max_lag, lag);
    clock.advance(service_time(claim->first));
    if (clock.now() - start <= deadline) result.sent_by_deadline += claim->count;
  }
  return result;
}

}  // namespace

TEST(Schedule, FlatRateIsAbsolute) {
  const Schedule schedule(1000);
  EXPECT_EQ(schedule.due(0), 0ns);
  EXPECT_EQ(schedule.due(1), 1ms);
  EXPECT_EQ(schedule.due(1000), 1s);
  EXPECT_EQ(schedule.due(1'000'000'000), 1'000'000s);  // no drift at large indices
  EXPECT_EQ(schedule.events_before(1s), 1000u);
  EXPECT_EQ(Schedule(0).due(12345), 0ns);
}

TEST(Schedule, DailyCurveKeepsTheDailyVolumeAndHasAShape) {
  const shop::DailyCurve curve(100s, 0.6);
  const Schedule schedule(50, curve);
  EXPECT_NEAR(static_cast<double>(schedule.events_before(100s)), 5000.0, 1.0);  // mean factor 1 over a day
  const auto first_quarter = schedule.events_before(25s);
  const auto third_quarter = schedule.events_before(75s) - schedule.events_before(50s);
  EXPECT_GT(first_quarter, 1600u);  // 25 s x 50/s x (1 + 0.6 x 2/pi) = about 1727
  EXPECT_LT(third_quarter, 900u);   // about 773
  for (uint64_t i = 1; i < 5000; ++i) ASSERT_GT(schedule.due(i), schedule.due(i - 1)) << i;
  for (uint64_t i : {1u, 10u, 777u, 4999u}) {  // due() inverts the cumulative curve
    EXPECT_EQ(schedule.events_before(schedule.due(i)), i);
    EXPECT_EQ(schedule.events_before(schedule.due(i) + 1ns), i + 1);
  }
}

TEST(Pacer, AchievedRateMatchesTheTargetExactlyDespiteSendTime) {
  for (const double rate : {20.0, 1000.0, 100000.0}) {
    Pacer pacer(Schedule(rate), 0, 10s);
    // Each send takes 40% of the interval: sleeping 1/rate after each send would drift.
    const auto interval = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / rate));
    const auto result = run_paced(pacer, 1, 10s, [&](uint64_t) { return interval * 4 / 10; });
    EXPECT_EQ(result.sent_by_deadline, static_cast<uint64_t>(rate * 10)) << rate;
    EXPECT_FALSE(result.sent_early);
  }
}

TEST(Pacer, AStallShowsAsLagAndIsCaughtUp) {
  Pacer pacer(Schedule(100), 0, 10s);
  // The 100th send stalls for 2 s (say, a reconnect); everything else is instant.
  const auto result = run_paced(pacer, 1, 10s, [](uint64_t i) { return i == 100 ? 2s : 0ns; });
  EXPECT_GE(result.max_lag, 1990ms);
  EXPECT_EQ(result.sent_by_deadline, 1000u);  // the schedule is kept: the backlog was sent
}

TEST(Pacer, BatchesClaimConsecutiveEventsAndWaitForTheLast) {
  Pacer pacer(Schedule(1000), 25, 0ns);
  auto claim = pacer.claim(10, 0ns);
  ASSERT_TRUE(claim);
  EXPECT_EQ(claim->first, 0u);
  EXPECT_EQ(claim->count, 10u);
  EXPECT_EQ(claim->due, 9ms);
  claim = pacer.claim(10, 0ns);
  EXPECT_EQ(claim->first, 10u);
  claim = pacer.claim(10, 0ns);
  EXPECT_EQ(claim->count, 5u);  // --count 25 is exact
  EXPECT_FALSE(pacer.claim(10, 0ns));
  EXPECT_EQ(pacer.claimed(), 25u);
}

TEST(Pacer, DurationLimits) {
  Pacer paced(Schedule(20), 0, 10s);
  uint64_t events = 0;
  while (paced.claim(1, 0ns)) ++events;
  EXPECT_EQ(events, 200u);  // due at 0, 50 ms, ..., 9.95 s

  Pacer unpaced(Schedule(0), 0, 1s);
  EXPECT_TRUE(unpaced.claim(100, 999ms));
  EXPECT_FALSE(unpaced.claim(100, 1s));

  Pacer behind(Schedule(20), 0, 10s);
  EXPECT_TRUE(behind.claim(1, 9s));
  EXPECT_TRUE(behind.claim(1, 10s));  // woke up a moment late: still sends what was due
  EXPECT_TRUE(behind.claim(1, 10s + shop::k_late_send_grace - 1ns));
  EXPECT_FALSE(behind.claim(1, 10s + shop::k_late_send_grace));  // a lagging sender stops on time, backlog or not

  Pacer both(Schedule(20), 50, 10s);
  events = 0;
  while (both.claim(1, 0ns)) ++events;
  EXPECT_EQ(events, 50u);  // the smaller limit wins
}

TEST(ParseRate, AcceptsPositiveNumbersAndMax) {
  EXPECT_EQ(shop::parse_rate("20", "--rate"), 20.0);
  EXPECT_EQ(shop::parse_rate("0.5", "--rate"), 0.5);
  EXPECT_EQ(shop::parse_rate("max", "--rate"), 0.0);
  for (const char* bad : {"0", "-5", "", "fast", "10/s", "inf", "nan"}) {
    try {
      (void)shop::parse_rate(bad, "--rate");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const shop::UsageError& error) {
      EXPECT_EQ(std::string(error.what()).rfind("--rate: ", 0), 0u) << error.what();
    }
  }
}

TEST(Backoff, DoublesUpToTheCapAndResets) {
  shop::Backoff backoff(100ms, 1s);
  EXPECT_EQ(backoff.next(), 100ms);
  EXPECT_EQ(backoff.next(), 200ms);
  EXPECT_EQ(backoff.next(), 400ms);
  EXPECT_EQ(backoff.next(), 800ms);
  EXPECT_EQ(backoff.next(), 1s);
  EXPECT_EQ(backoff.next(), 1s);
  backoff.reset();
  EXPECT_EQ(backoff.next(), 100ms);
}
