#include "core/kafka_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
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

void check_kafka_brokers(std::string_view brokers, std::string_view source) {
  const auto fail = [&](std::string_view entry, std::string_view why) {
    throw UsageError(fmt::format("{}: '{}' {} (expected host:port, comma-separated)", source, entry, why));
  };
  size_t entries = 0;
  size_t start = 0;
  while (start <= brokers.size()) {
    const size_t comma = std::min(brokers.find(',', start), brokers.size());
    std::string_view entry = brokers.substr(start, comma - start);
    start = comma + 1;
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry.empty()) continue;  // "a:9092," is accepted by librdkafka too
    ++entries;
    std::string_view rest = entry;
    if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
      std::string name(rest.substr(0, scheme));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name != "plaintext" && name != "ssl" && name != "sasl_plaintext" && name != "sasl_ssl") {
        fail(entry, fmt::format("has the scheme '{}://', which Kafka clients do not use (librdkafka takes only "
                                "plaintext://, ssl://, sasl_plaintext:// and sasl_ssl://)",
                                rest.substr(0, scheme)));
      }
      rest.remove_prefix(scheme + 3);
    }
    std::string_view host = rest;
    std::string_view port;
    if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
      const size_t close = rest.find(']');
      if (close == std::string_view::npos) fail(entry, "has an IPv6 address without its closing ']'");
      host = rest.substr(1, close - 1);
      const std::string_view after = rest.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':') fail(entry, "has text after the IPv6 address that is not :port");
        port = after.substr(1);
        if (port.empty()) fail(entry, "has an empty port");
      }
    } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) fail(entry, "has an empty port");
    }
    if (host.empty()) fail(entry, "has no host");
    if (host.find_first_of("/@?# ") != std::string_view::npos) fail(entry, "is not a host name or address");
    if (!port.empty()) {
      if (port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5 ||
          std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) {
        fail(entry, "has a port that is not a number from 1 to 65535");
      }
    }
  }
  if (entries == 0) throw UsageError(fmt::format("{}: no broker given (expected host:port, comma-separated)", source));
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
