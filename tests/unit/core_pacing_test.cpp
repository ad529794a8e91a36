#include "core/pacing.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace std::chrono_literals;
using shop::Pacer;
using shop::Schedule;
using shop::k_late_send_grace;

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

// --stages (issue 15): k6's stages on the absolute schedule.
TEST(Stages, ParseDurationsAndRates) {
  const auto stages = shop::parse_stages("30s:1000,2m:20000,1m:20000,30s:0", "--stages");
  ASSERT_EQ(stages.size(), 4U);
  EXPECT_EQ(stages[0].duration, 30s);
  EXPECT_EQ(stages[0].rate, 1000);
  EXPECT_EQ(stages[1].duration, 2min);
  EXPECT_EQ(stages[3].rate, 0);
  EXPECT_EQ(shop::parse_stages("500ms:2.5", "--stages")[0].rate, 2.5);
}

TEST(Stages, BadSpecsNameThePart) {
  const auto message = [](const char* text) {
    try {
      (void)shop::parse_stages(text, "--stages");
    } catch (const shop::UsageError& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("30:1000").substr(0, 27), "--stages: stage 1 '30:1000'");
  EXPECT_NE(message("30:1000").find("unit"), std::string::npos) << message("30:1000");
  EXPECT_EQ(message("30s:1000,1m:-5").substr(0, 38), "--stages: stage 2 '1m:-5': the rate mu");
  EXPECT_EQ(message("30s:1000,,1m:5").substr(0, 30), "--stages: stage 2 '': empty (e");
  EXPECT_EQ(message("30s:1000,").substr(0, 30), "--stages: stage 2 '': empty (e");
  EXPECT_EQ(message(""), "--stages: stage 1 '': empty (expected DURATION:RATE, e.g. 30s:1000)");
  EXPECT_NE(message("30s").find("no ':'"), std::string::npos);
  EXPECT_NE(message("30s:fast").find("'fast' is not a rate"), std::string::npos);
  EXPECT_NE(message("0s:10").find("greater than 0"), std::string::npos);
  EXPECT_NE(message("30s:inf").find("not a rate"), std::string::npos);
}

TEST(Stages, TheScheduleIsTheIntegralOfTheRate) {
  // 0 -> 1000/s over 10 s (50 t^2 events), 1000/s for 10 s, 1000 -> 0 over 10 s.
  const Schedule schedule(0, shop::parse_stages("10s:1000,10s:1000,10s:0", "--stages"));
  EXPECT_DOUBLE_EQ(schedule.events_at(5), 1250);
  EXPECT_DOUBLE_EQ(schedule.events_at(10), 5000);
  EXPECT_DOUBLE_EQ(schedule.events_at(20), 15000);
  EXPECT_DOUBLE_EQ(schedule.events_at(25), 18750);
  EXPECT_DOUBLE_EQ(schedule.events_at(30), 20000);
  EXPECT_DOUBLE_EQ(schedule.events_at(99), 20000);  // after the last stage: its rate, 0
  EXPECT_EQ(schedule.events_before(5s), 1250U);     // events 0..1249 (1250 is due at 5 s)
  EXPECT_EQ(schedule.events_before(30s), 20000U);
  EXPECT_EQ(schedule.due(0), 0ns);
  EXPECT_EQ(schedule.due(50), 1s);
  EXPECT_EQ(schedule.due(1250), 5s);
  EXPECT_EQ(schedule.due(10000), 15s);
  EXPECT_EQ(schedule.due(20000), 30s);
  EXPECT_GT(schedule.due(20001), std::chrono::hours(24 * 365));  // never
  EXPECT_EQ(schedule.stages_duration(), 30s);
  EXPECT_DOUBLE_EQ(schedule.rate_at(5), 500);
  EXPECT_DOUBLE_EQ(schedule.rate_at(15), 1000);
  EXPECT_DOUBLE_EQ(schedule.rate_at(27.5), 250);
  // Due times rise with the index and invert events_at.
  for (uint64_t i = 1; i <= 20000; i += 37) {
    const double t = std::chrono::duration<double>(schedule.due(i)).count();
    EXPECT_NEAR(schedule.events_at(t), static_cast<double>(i), 1e-3) << i;
    EXPECT_LT(schedule.due(i - 1), schedule.due(i)) << i;
  }
}

TEST(Stages, StartFromTheRateAndAZeroStretch) {
  const Schedule schedule(100, shop::parse_stages("2s:100,3s:0,2s:0,1s:200", "--stages"));
  EXPECT_DOUBLE_EQ(schedule.events_at(2), 200);
  EXPECT_DOUBLE_EQ(schedule.events_at(5), 350);  // 100 -> 0 over 3 s: 150 more
  EXPECT_DOUBLE_EQ(schedule.events_at(7), 350);  // nothing while at 0
  EXPECT_DOUBLE_EQ(schedule.events_at(8), 450);  // 0 -> 200 over 1 s
  EXPECT_EQ(schedule.events_before(7s), 351U);  // events 0..350: the 350th was due at 5 s
  EXPECT_GT(schedule.due(351), 7s);  // the next event waits for the rate to rise again
  EXPECT_LT(schedule.due(351), 8s);
  EXPECT_DOUBLE_EQ(schedule.events_at(10), 850);  // after the stages: 200/s stays
}

TEST(Stages, TheDailyCurveMultipliesOnTop) {
  const shop::DailyCurve curve(60s);
  const Schedule schedule(0, shop::parse_stages("30s:600,30s:600", "--stages"), curve);
  // The integral of (stage rate x curve factor), summed numerically.
  double sum = 0;
  const double step = 1e-4;
  for (double t = step / 2; t < 45; t += step) sum += schedule.rate_at(t) * step;
  EXPECT_NEAR(schedule.events_at(45), sum, 0.05);
  for (uint64_t i = 1; i < 20000; i += 101) {
    const double t = std::chrono::duration<double>(schedule.due(i)).count();
    EXPECT_NEAR(schedule.events_at(t), static_cast<double>(i), 1e-3) << i;
  }
}

TEST(Stages, APacedRunSendsThePlannedCountPerSecond) {
  const Schedule schedule(0, shop::parse_stages("5s:2000,5s:500", "--stages"));
  Pacer pacer(schedule, 0, schedule.stages_duration());
  std::vector<uint64_t> per_second(10, 0);
  ManualClock clock;
  const auto start = clock.now();
  while (auto claim = pacer.claim(1, clock.now() - start)) {
    clock.sleep_until(start + claim->due);
    const auto second = static_cast<size_t>(std::chrono::duration_cast<std::chrono::seconds>(claim->due).count());
    ASSERT_LT(second, per_second.size());
    ++per_second[second];
  }
  for (size_t second = 0; second < per_second.size(); ++second) {
    const double planned = schedule.events_at(static_cast<double>(second + 1)) - schedule.events_at(static_cast<double>(second));
    EXPECT_NEAR(static_cast<double>(per_second[second]), planned, 1.0) << "second " << second;
  }
}

// --find-max's schedule: flat steps the search appends while senders claim.
TEST(SteppedSchedule, ARateChangeDropsTheBacklogButSkipsNothingAhead) {
  Pacer pacer(Schedule::make_stepped(100), 0, std::chrono::nanoseconds::zero());
  const Schedule& schedule = pacer.schedule();
  EXPECT_TRUE(schedule.stepped());
  EXPECT_FALSE(schedule.unpaced());
  EXPECT_EQ(schedule.due(250), 2500ms);
  EXPECT_DOUBLE_EQ(schedule.events_at(2.5), 250);
  // Behind: by 10 s only 700 of the 1000 planned were claimed. The new step starts from
  // the 700th, at 10 s; the 300 never claimed are not sent late.
  for (int i = 0; i < 700; ++i) ASSERT_TRUE(pacer.claim(1, 0ms));
  ASSERT_TRUE(pacer.change_rate(400, 10s));
  EXPECT_EQ(schedule.due(700), 10s);
  EXPECT_EQ(schedule.due(900), 10500ms);
  EXPECT_DOUBLE_EQ(schedule.rate_at(9.9), 100);
  EXPECT_DOUBLE_EQ(schedule.rate_at(10.1), 400);
  EXPECT_DOUBLE_EQ(schedule.events_at(12) - schedule.events_at(11), 400);
  EXPECT_EQ(pacer.claim(1, 10s)->due, 10s);  // the next claim: due now, not 3 s ago
  EXPECT_EQ(pacer.behind(10s), 0ms);
  // Ahead: at 11 s 700 + 400 = 1100 were planned and 1200 are claimed. The step starts
  // from event 1100 at 11 s; the next to claim, 1200, is due 100 events later at 100/s.
  while (pacer.claimed() < 1200) ASSERT_TRUE(pacer.claim(1, 10s));
  ASSERT_TRUE(pacer.change_rate(100, 11s));
  EXPECT_EQ(schedule.due(1100), 11s);
  EXPECT_EQ(schedule.due(1200), 12s);
  EXPECT_EQ(pacer.claim(1, 11s)->due, 12s);
  // Closed: no more claims.
  pacer.close();
  EXPECT_FALSE(pacer.claim(1, 12s));
}

TEST(SteppedSchedule, ADurationBoundsTheClockOnly) {
  Pacer pacer(Schedule::make_stepped(10), 0, 2s);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pacer.claim(1, 1s));  // far more than 2 s at 10/s
  EXPECT_FALSE(pacer.claim(1, 2s + k_late_send_grace));
  EXPECT_FALSE(pacer.exhausted());
  EXPECT_FALSE(Pacer(Schedule(10), 0, 0ms).change_rate(20, 1s));  // not a stepped schedule
}
