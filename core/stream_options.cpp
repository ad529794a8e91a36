#include "core/stream_options.hpp"

#include <fmt/format.h>

#include <cctype>

#include "core/cli.hpp"
#include "core/duration.hpp"
#include "core/pacing.hpp"
#include "core/error.hpp"

namespace shop {

void add_stream_options(CLI::App& app, StreamOptions& options, std::string_view events) {
  const char first = static_cast<char>(std::toupper(static_cast<unsigned char>(events.front())));
  app.add_option("--rate", options.rate,
                 fmt::format("{}{} per second (all instances together), or max", first, events.substr(1)))
      ->each([&options](const std::string&) { options.rate_given = true; })
      ->type_name("R");
  app.add_option("--count", options.count, fmt::format("Stop after N {} (0: no limit)", events))
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--duration", options.duration, "Stop after this long, e.g. 90s, 5m (default: no limit)")
      ->type_name("D");
  app.add_option("--day-length", options.day_length,
                 "Modulate the rate by a daily curve with this period, e.g. 10m (default: flat)")
      ->type_name("D");
  app.add_option("--seed", options.seed, fmt::format("Random seed: the same flags give the same {}", events))
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("--instance", options.instance, "Share one load among N processes: this is instance K")
      ->type_name("K/N");
  app.add_option("--stages", options.stages,
                 "A load that changes: each stage moves the rate linearly to its own over its duration, from --rate "
                 "(default 0); the run lasts as long as the stages, e.g. 30s:1000,2m:20000,30s:0")
      ->type_name("D:R,...");
  app.add_option("--report-interval", options.report_interval,
                 "Write a line per interval to stderr: target and achieved rate, latency p50/p99/max, errors, lag")
      ->type_name("D");
  app.add_option("--report-jsonl", options.report_jsonl,
                 "Write the same per interval as JSON lines to this file (each second without --report-interval)")
      ->type_name("PATH");
  app.add_option("--latency-histogram", options.latency_histogram,
                 "At the end, write the run's latency distribution here in HdrHistogram's text format (.hgrm)")
      ->type_name("PATH");
}

std::string StreamSettings::rate_text() const {
  if (!stages.empty()) {
    return fmt::format("staged, {:.4g}/s on average over {} (--stages {}{})", target_rate, format_duration(duration),
                       stages_spec, start_rate > 0 ? fmt::format(" from {:g}/s", start_rate) : std::string());
  }
  return target_rate > 0 ? fmt::format("{:g}/s", target_rate) : std::string("max");
}

StreamSettings parse_stream_options(const StreamOptions& options) {
  StreamSettings settings;
  settings.instance = parse_instance(options.instance);
  if (options.stages.empty()) {
    settings.target_rate = settings.instance.share(parse_rate(options.rate, "--rate"));
  } else {
    // Stages share the load as a flat rate does: each instance runs 1/N of every stage.
    if (options.rate_given && options.rate == "max") {
      throw UsageError("--rate max and --stages: the stages give the rates (--rate R is where they start)");
    }
    settings.start_rate = options.rate_given ? settings.instance.share(parse_rate(options.rate, "--rate")) : 0.0;
    settings.stages = parse_stages(options.stages, "--stages");
    settings.stages_spec = options.stages;
    for (Stage& stage : settings.stages) stage.rate = settings.instance.share(stage.rate);
  }
  settings.count = options.count;
  if (!options.duration.empty()) {
    settings.duration = parse_duration(options.duration, "--duration");
    if (settings.duration <= std::chrono::nanoseconds::zero()) throw UsageError("--duration: must be greater than 0");
  }
  if (!options.day_length.empty()) {
    const auto day = parse_duration(options.day_length, "--day-length");
    if (day < std::chrono::seconds(1)) throw UsageError("--day-length: must be at least 1s");
    settings.curve = DailyCurve(day);
  }
  if (!settings.stages.empty()) {
    const Schedule schedule = settings.make_schedule();
    // The run lasts as long as the stages unless --duration says otherwise.
    if (settings.duration == std::chrono::nanoseconds::zero()) settings.duration = schedule.stages_duration();
    const double seconds = std::chrono::duration<double>(settings.duration).count();
    settings.target_rate = schedule.events_at(seconds) / seconds;
  }
  if (!options.report_interval.empty()) {
    settings.report_interval = parse_duration(options.report_interval, "--report-interval");
    if (settings.report_interval < std::chrono::milliseconds(100)) {
      throw UsageError("--report-interval: must be at least 100ms");
    }
  }
  settings.report_jsonl = options.report_jsonl;
  settings.latency_histogram = options.latency_histogram;
  settings.stream_seed = settings.instance.stream_seed(options.seed);
  return settings;
}

}  // namespace shop
