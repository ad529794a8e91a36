#include "core/stream_options.hpp"

#include <fmt/format.h>

#include <cctype>

#include "core/cli.hpp"
#include "core/duration.hpp"
#include "core/error.hpp"

namespace shop {

void add_stream_options(CLI::App& app, StreamOptions& options, std::string_view events) {
  const char first = static_cast<char>(std::toupper(static_cast<unsigned char>(events.front())));
  app.add_option("--rate", options.rate,
                 fmt::format("{}{} per second (all instances together), or max", first, events.substr(1)))
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
}

std::string StreamSettings::rate_text() const {
  return target_rate > 0 ? fmt::format("{:g}/s", target_rate) : std::string("max");
}

StreamSettings parse_stream_options(const StreamOptions& options) {
  StreamSettings settings;
  settings.instance = parse_instance(options.instance);
  settings.target_rate = settings.instance.share(parse_rate(options.rate, "--rate"));
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
  settings.stream_seed = settings.instance.stream_seed(options.seed);
  return settings;
}

}  // namespace shop
