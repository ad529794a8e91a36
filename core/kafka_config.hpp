#pragma once
// librdkafka properties as kcat takes them: key=value lines from config files (-F), then
// -X key=value, in that order, so a later one wins. Messages never show a secret's value.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/settings.hpp"

namespace shop {

// One librdkafka property and where it came from, for messages: "-X", "-F FILE:LINE" or
// "KAFKA_CONFIG_FILE FILE:LINE".
struct KafkaProperty {
  std::string key;
  std::string value;
  std::string origin;
  bool operator==(const KafkaProperty&) const = default;
};

// Checks a bootstrap broker list before it reaches librdkafka, which would otherwise
// wait out the whole connection timeout on a typo: comma-separated `host[:port]` (IPv6 as
// `[addr]:port`), each optionally prefixed with one of librdkafka's own protocol names
// (`plaintext://`, `ssl://`, `sasl_plaintext://`, `sasl_ssl://`; confluentinc/librdkafka
// src/rdkafka_broker.c, rd_kafka_secproto_names and the "[proto://]host[:port]" parse of
// rd_kafka_brokers_add0). Throws UsageError naming `source` (--brokers, KAFKA_BROKERS,
// bootstrap.servers) and the entry: "kafka://h:9092" (a scheme Kafka clients do not
// use), "h:port", "h:99999", an empty list.
void check_kafka_brokers(std::string_view brokers, std::string_view source);

// The config file to read when no -F is given (as kcat reads $KCAT_CONFIG).
inline constexpr std::string_view k_kafka_config_file_env = "KAFKA_CONFIG_FILE";

// Parses the text of a kcat config file the way kcat does (kcat.c, read_conf_file()):
// each line trimmed of white space at both ends; blank lines and lines starting with '#'
// skipped; Java's escapes "\:" and "\=" become ':' and '='; then split at the first '='
// (white space around it is kept, as kcat keeps it). `where` names the file ("-F FILE").
// Throws UsageError "WHERE:LINE: expected key=value" for a line without '=' or with an
// empty key; the line itself is never quoted (it may be a mistyped password).
[[nodiscard]] std::vector<KafkaProperty> parse_kafka_config(std::string_view text, std::string_view where);

// Reads FILE and parses it. Throws UsageError "WHERE: cannot read it (reason)" when the
// file is missing, unreadable, a directory or larger than 1 MiB.
[[nodiscard]] std::vector<KafkaProperty> read_kafka_config_file(const std::string& path, std::string_view where);

// The properties in the order librdkafka gets them: each -F file in order (none given:
// $KAFKA_CONFIG_FILE's file, if set), then each -X. Throws UsageError naming the option
// (and the file and line).
[[nodiscard]] std::vector<KafkaProperty> resolve_kafka_config(const std::vector<std::string>& files,
                                                              const std::vector<std::string>& properties,
                                                              const Environment& env);

// The value of the last bootstrap.servers (or its alias metadata.broker.list), if any.
[[nodiscard]] std::optional<std::string> kafka_config_brokers(const std::vector<KafkaProperty>& config);

// `text` with every non-empty value of a secret property of `config` replaced by ****:
// for text that comes from librdkafka (errors, log lines), which may quote a value.
[[nodiscard]] std::string redact_kafka_secrets(std::string text, const std::vector<KafkaProperty>& config);

}  // namespace shop
