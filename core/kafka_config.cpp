#include "core/kafka_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.hpp"

namespace shop {
namespace {

// No config file is this large; a limit keeps `-F /dev/zero` from reading forever.
constexpr size_t k_max_config_bytes = size_t{1} << 20;

// isspace() in the C locale, as kcat trims.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::vector<KafkaProperty> parse_kafka_config(std::string_view text, std::string_view where) {
  std::vector<KafkaProperty> config;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    // Java clients' files (e.g. one downloaded from Confluent Cloud) escape ':' and '='.
    std::string unescaped(line);
    replace_all(unescaped, "\\:", ":");
    replace_all(unescaped, "\\=", "=");
    const size_t equals = unescaped.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw UsageError(fmt::format("{}:{}: expected key=value", where, line_number));
    }
    config.push_back({unescaped.substr(0, equals), unescaped.substr(equals + 1), fmt::format("{}:{}", where, line_number)});
  }
  return config;
}

std::vector<KafkaProperty> read_kafka_config_file(const std::string& path, std::string_view where) {
  const auto cannot_read = [&](std::string_view why) {
    return UsageError(fmt::format("{}: cannot read it ({})", where, why));
  };
  const std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw cannot_read(std::strerror(errno));
  std::string text(k_max_config_bytes + 1, '\0');
  const size_t size = std::fread(text.data(), 1, text.size(), file.get());
  if (std::ferror(file.get()) != 0) throw cannot_read(std::strerror(errno));  // EISDIR for a directory
  if (size > k_max_config_bytes) throw cannot_read("larger than 1 MiB: not a config file");
  text.resize(size);
  return parse_kafka_config(text, where);
}

std::vector<KafkaProperty> resolve_kafka_config(const std::vector<std::string>& files,
                                                const std::vector<std::string>& properties, const Environment& env) {
  std::vector<KafkaProperty> config;
  const auto append = [&config](std::vector<KafkaProperty> more) {
    config.insert(config.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  };
  for (const auto& file : files) append(read_kafka_config_file(file, "-F " + file));
  // kcat reads $KCAT_CONFIG only when no -F was given.
  if (files.empty()) {
    if (const auto file = env(k_kafka_config_file_env)) {
      append(read_kafka_config_file(*file, fmt::format("{} {}", k_kafka_config_file_env, *file)));
    }
  }
  for (const auto& text : properties) {
    auto [key, value] = parse_kafka_property(text);
    config.push_back({std::move(key), std::move(value), "-X"});
  }
  return config;
}

std::optional<std::string> kafka_config_brokers(const std::vector<KafkaProperty>& config) {
  std::optional<std::string> brokers;
  for (const auto& property : config) {
    if (property.key == "bootstrap.servers" || property.key == "metadata.broker.list") brokers = property.value;
  }
  return brokers;
}

std::string redact_kafka_secrets(std::string text, const std::vector<KafkaProperty>& config) {
  std::vector<std::string_view> secrets;
  for (const auto& property : config) {
    if (!property.value.empty() && kafka_property_is_secret(property.key)) secrets.emplace_back(property.value);
  }
  // Longest first, so a secret that contains another is masked whole.
  std::sort(secrets.begin(), secrets.end(), [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (const auto secret : secrets) replace_all(text, secret, "****");
  return text;
}

}  // namespace shop
