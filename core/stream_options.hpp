#pragma once
// The options every generator of a paced event stream takes (shop-purchases,
// shop-pageviews), added, checked and converted once: --rate, --count, --duration,
// --day-length, --seed, --instance.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/find_max.hpp"
#include "core/instance.hpp"
#include "core/pacing.hpp"
#include "core/summary.hpp"

namespace CLI {
class App;  // <CLI/CLI.hpp> in the files that add options (see core/cli.hpp)
}  // namespace CLI

namespace shop {

struct StreamOptions {
  std::string rate = "";     // events per second (all instances together), or "max"; the tool sets its default
  uint64_t count = 0;        // 0: no limit
  std::string duration = "";    // empty: no limit
  std::string day_length = "";  // empty: no daily curve
  uint64_t seed = 42;
  std::string instance = "1/1";
  std::string stages = "";      // e.g. 30s:1000,2m:20000,30s:0; empty: a flat --rate
  bool rate_given = false;      // --rate was on the command line (with --stages: the start)
  std::string report_interval = "";  // --report-interval D: a line per interval on stderr
  std::string report_jsonl = "";     // --report-jsonl PATH: the same as JSON lines
  std::string latency_histogram = "";  // --latency-histogram PATH: the run's, as .hgrm text
  bool find_max = false;              // --find-max: search for the highest sustainable rate
  std::string slo_p99 = "";           // --slo-p99 D (default 100ms)
  std::string step_duration = "";     // --step-duration D (default 10s)
  std::string find_max_dir = "";      // --find-max-dir DIR: where N instances agree on each step
};

// Adds the options; `events` names the events in the help ("purchases", "page views").
void add_stream_options(CLI::App& app, StreamOptions& options, std::string_view events);

struct StreamSettings {
  double target_rate = 0;  // of this instance; 0 = max; staged: the mean over the stages
  std::vector<Stage> stages;  // of this instance (rates already shared by --instance)
  double start_rate = 0;      // where the first stage starts from (--rate, or 0)
  std::string stages_spec;    // --stages as given, for messages
  std::chrono::nanoseconds report_interval{0};  // 0: no interval lines
  std::string report_jsonl;
  std::string latency_histogram;
  uint64_t count = 0;      // 0: no limit
  std::chrono::nanoseconds duration{0};
  std::optional<DailyCurve> curve;
  Instance instance;
  uint64_t stream_seed = 0;  // this instance's random stream
  std::optional<FindMaxSettings> find_max;  // rates of the shared load

  [[nodiscard]] Schedule make_schedule() const {
    if (find_max) return Schedule::make_stepped(instance.share(find_max->start_rate));
    return stages.empty() ? Schedule(target_rate, curve) : Schedule(start_rate, stages, curve);
  }
  [[nodiscard]] Pacer make_pacer() const { return Pacer(make_schedule(), count, duration); }
  // "20/s" or "max", for messages.
  [[nodiscard]] std::string rate_text() const;
  // The summary's rate fields, each named for what it is: "rate_plan" (flat, max, stages
  // or find-max), then "target_rate" for a flat rate only, "mean_target_rate" and
  // "start_rate" for stages, "find_max_start_rate" for a search (whose result is
  // "find_max_rate"). A staged run's mean or a search's first step is no target.
  void set_rate_fields(Summary& summary) const;
};

// Checks and converts; every problem is a UsageError naming its flag.
[[nodiscard]] StreamSettings parse_stream_options(const StreamOptions& options);

}  // namespace shop
