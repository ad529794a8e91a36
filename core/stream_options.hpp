#pragma once
// The options every generator of a paced event stream takes (shop-purchases,
// shop-pageviews), added, checked and converted once: --rate, --count, --duration,
// --day-length, --seed, --instance.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/instance.hpp"
#include "core/pacing.hpp"

namespace shop {

struct StreamOptions {
  std::string rate = "";     // events per second (all instances together), or "max"; the tool sets its default
  uint64_t count = 0;        // 0: no limit
  std::string duration = "";    // empty: no limit
  std::string day_length = "";  // empty: no daily curve
  uint64_t seed = 42;
  std::string instance = "1/1";
};

// Adds the six options; `events` names the events in the help ("purchases", "page views").
void add_stream_options(CLI::App& app, StreamOptions& options, std::string_view events);

struct StreamSettings {
  double target_rate = 0;  // of this instance; 0 = max
  uint64_t count = 0;      // 0: no limit
  std::chrono::nanoseconds duration{0};
  std::optional<DailyCurve> curve;
  Instance instance;
  uint64_t stream_seed = 0;  // this instance's random stream

  [[nodiscard]] Pacer make_pacer() const { return Pacer(Schedule(target_rate, curve), count, duration); }
  // "20/s" or "max", for messages.
  [[nodiscard]] std::string rate_text() const;
};

// Checks and converts; every problem is a UsageError naming its flag.
[[nodiscard]] StreamSettings parse_stream_options(const StreamOptions& options);

}  // namespace shop
