#include "core/stream_options.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cctype>

#include "core/cli.hpp"
#include "core/duration.hpp"
#include "core/pacing.hpp"
#include "core/error.hpp"
#include "core/number_format.hpp"

namespace shop {

void add_stream_options(CLI::App& app, StreamOptions& options, std::string_view events) {
  const char first = static_cast<char>(std::toupper(static_cast<unsigned char>(events.front())));
  app.add_option("-R,--rate", options.rate,
                 fmt::format("{}{} per second (all instances together), or max", first, events.substr(1)))
      ->each([&options](const std::string&) { options.rate_given = true; })
      ->type_name("R");
  app.add_option("--count", options.count, fmt::format("Stop after N {} (0: no limit)", events))
      ->transform(whole_number())
      ->type_name("N");
  app.add_option("-T,--duration", options.duration, "Stop after this long, e.g. 90s, 5m (default: no limit)")
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
  app.add_flag("--find-max", options.find_max,
               "Search for the highest rate that holds: double the rate each step from --rate (default 100), then "
               "bisect; a step holds when it achieves the target within 1%, its p99 is within --slo-p99 and nothing "
               "failed");
  app.add_option("--slo-p99", options.slo_p99, "With --find-max: the p99 latency a step may have (default 100ms)")
      ->type_name("D");
  app.add_option("--step-duration", options.step_duration, "With --find-max: how long each rate is held (default 10s)")
      ->type_name("D");
  app.add_option("--find-max-dir", options.find_max_dir,
                 "With --find-max and --instance K/N: an empty directory all N share, where they agree on each step")
      ->type_name("DIR");
}

std::string StreamSettings::rate_text() const {
  if (find_max) return fmt::format("find-max from {}/s", format_rate(find_max->start_rate));
  if (!stages.empty()) {
    return fmt::format("staged, {}/s on average over {} (--stages {}{})", format_rate(target_rate), format_duration(duration),
                       stages_spec, start_rate > 0 ? fmt::format(" from {}/s", format_rate(start_rate)) : std::string());
  }
  return target_rate > 0 ? format_rate(target_rate) + "/s" : std::string("max");
}

void StreamSettings::set_rate_fields(Summary& summary) const {
  if (find_max) {
    summary.set("rate_plan", std::string("find-max")).set("find_max_start_rate", find_max->start_rate);
  } else if (!stages.empty()) {
    summary.set("rate_plan", std::string("stages"))
        .set("stages", stages_spec)
        .set("start_rate", start_rate)
        .set("mean_target_rate", target_rate);
  } else if (target_rate > 0) {
    summary.set("rate_plan", std::string("flat")).set("target_rate", target_rate);
  } else {
    summary.set("rate_plan", std::string("max"));
  }
}

namespace {

FindMaxSettings parse_find_max(const StreamOptions& options, const Instance& instance) {
  const auto conflict = [](std::string_view flag, std::string_view why) {
    return UsageError(fmt::format("--find-max and {}: {}", flag, why));
  };
  if (!options.stages.empty()) throw conflict("--stages", "the search chooses the rates");
  if (options.count != 0) throw conflict("--count", "the search decides how many events it takes");
  if (!options.day_length.empty()) throw conflict("--day-length", "each step holds its rate flat");
  if (options.rate_given && options.rate == "max") {
    throw conflict("--rate max", "the search needs a rate to start from (--rate R, default 100)");
  }
  FindMaxSettings settings;
  if (options.rate_given) settings.start_rate = parse_rate(options.rate, "--rate");
  if (!options.slo_p99.empty()) {
    settings.slo_p99 = parse_duration(options.slo_p99, "--slo-p99");
    if (settings.slo_p99 <= std::chrono::nanoseconds::zero()) throw UsageError("--slo-p99: must be greater than 0");
  }
  if (!options.step_duration.empty()) {
    settings.step_duration = parse_duration(options.step_duration, "--step-duration");
    if (settings.step_duration < std::chrono::seconds(1)) throw UsageError("--step-duration: must be at least 1s");
  }
  if (instance.count > 1 && options.find_max_dir.empty()) {
    throw UsageError(fmt::format("--find-max with --instance {}: give all {} instances the same --find-max-dir DIR",
                                 instance.to_string(), instance.count));
  }
  if (instance.count == 1 && !options.find_max_dir.empty()) {
    throw UsageError("--find-max-dir: only with --instance K/N and N above 1");
  }
  settings.directory = options.find_max_dir;
  return settings;
}

}  // namespace

StreamSettings parse_stream_options(const StreamOptions& options) {
  if (!options.find_max) {
    for (const auto& [flag, value] : {std::pair{"--slo-p99", &options.slo_p99}, std::pair{"--step-duration", &options.step_duration},
                                      std::pair{"--find-max-dir", &options.find_max_dir}}) {
      if (!value->empty()) throw UsageError(fmt::format("{}: only with --find-max", flag));
    }
  }
  StreamSettings settings;
  settings.instance = parse_instance(options.instance);
  if (options.find_max) {
    settings.find_max = parse_find_max(options, settings.instance);
    settings.target_rate = settings.instance.share(settings.find_max->start_rate);
  } else if (options.stages.empty()) {
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
