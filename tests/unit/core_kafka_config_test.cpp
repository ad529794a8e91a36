#include "core/kafka_config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.hpp"

namespace {

using shop::KafkaProperty;

shop::Environment fake_env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(std::string(name));
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

// The message of the UsageError `call` throws, or "" when it throws none.
template <typename Call>
std::string usage_error(Call&& call) {
  try {
    (void)call();
  } catch (const shop::UsageError& error) {
    return error.what();
  }
  return "";
}

// A file in a fresh temporary directory, removed with it.
class TempFile {
 public:
  explicit TempFile(std::string_view text) {
    m_dir = std::filesystem::temp_directory_path() / ("core_kafka_config_test." + std::to_string(::getpid()));
    std::filesystem::create_directories(m_dir);
    std::ofstream(path()) << text;
  }
  ~TempFile() { std::filesystem::remove_all(m_dir); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] std::string path() const { return (m_dir / "client.properties").string(); }
  [[nodiscard]] std::string dir() const { return m_dir.string(); }

 private:
  std::filesystem::path m_dir;
};

}  // namespace

// kcat.c read_conf_file(): trim both ends, skip blank lines and '#' lines, split at the
// first '=', keep white space around it.
TEST(KafkaConfig, ParsesKcatConfigFileLines) {
  const auto config = shop::parse_kafka_config(
      "# Confluent Cloud\n"
      "\n"
      "   \t\n"
      "  security.protocol=SASL_SSL  \r\n"
      "sasl.password=a=b#c\n"
      "  # indented comment\n"
      "client.id= spaced \n"
      "empty=\n"
      "last=no newline",
      "-F f.conf");
  const std::vector<KafkaProperty> want{
      {"security.protocol", "SASL_SSL", "-F f.conf:4"}, {"sasl.password", "a=b#c", "-F f.conf:5"},
      {"client.id", " spaced", "-F f.conf:7"},          {"empty", "", "-F f.conf:8"},
      {"last", "no newline", "-F f.conf:9"},
  };
  EXPECT_EQ(config, want);
}

TEST(KafkaConfig, UndoesJavaEscapesAsKcatDoes) {
  const auto config = shop::parse_kafka_config("bootstrap.servers=pkc-1.aws.confluent.cloud\\:9092\nsasl.password=x\\=y\n", "-F f");
  ASSERT_EQ(config.size(), 2u);
  EXPECT_EQ(config[0].value, "pkc-1.aws.confluent.cloud:9092");
  EXPECT_EQ(config[1].value, "x=y");
}

TEST(KafkaConfig, BadLineNamesFileAndLineNeverTheText) {
  EXPECT_EQ(usage_error([] { return shop::parse_kafka_config("acks=all\n\nhunter2-password\n", "-F f.conf"); }),
            "-F f.conf:3: expected key=value");
  EXPECT_EQ(usage_error([] { return shop::parse_kafka_config("=hunter2\n", "-F f.conf"); }),
            "-F f.conf:1: expected key=value");
}

TEST(KafkaConfig, MissingOrUnreadableFileIsAUsageError) {
  EXPECT_EQ(usage_error([] { return shop::read_kafka_config_file("/nonexistent/x.conf", "-F /nonexistent/x.conf"); }),
            "-F /nonexistent/x.conf: cannot read it (No such file or directory)");
  const TempFile file("acks=all\n");
  EXPECT_EQ(usage_error([&] { return shop::read_kafka_config_file(file.dir(), "-F " + file.dir()); }),
            "-F " + file.dir() + ": cannot read it (Is a directory)");
}

TEST(KafkaConfig, FilesInOrderThenX) {
  const TempFile file("sasl.username=from-file\nacks=1\n");
  const auto config = shop::resolve_kafka_config({file.path(), file.path()}, {"acks=all"}, fake_env({}));
  ASSERT_EQ(config.size(), 5u);
  EXPECT_EQ(config[0].origin, "-F " + file.path() + ":1");
  EXPECT_EQ(config[3].origin, "-F " + file.path() + ":2");
  EXPECT_EQ(config[4], (KafkaProperty{"acks", "all", "-X"}));  // the last one set wins in librdkafka
}

// As kcat reads $KCAT_CONFIG: only when no -F is given.
TEST(KafkaConfig, EnvironmentFileOnlyWithoutF) {
  const TempFile file("sasl.username=from-env\n");
  const auto env = fake_env({{"KAFKA_CONFIG_FILE", file.path()}});
  const auto config = shop::resolve_kafka_config({}, {"acks=all"}, env);
  ASSERT_EQ(config.size(), 2u);
  EXPECT_EQ(config[0], (KafkaProperty{"sasl.username", "from-env", "KAFKA_CONFIG_FILE " + file.path() + ":1"}));
}

TEST(KafkaConfig, EnvironmentFileThatIsMissingNamesTheVariable) {
  EXPECT_EQ(usage_error([] { return shop::resolve_kafka_config({}, {}, fake_env({{"KAFKA_CONFIG_FILE", "/nonexistent"}})); }),
            "KAFKA_CONFIG_FILE /nonexistent: cannot read it (No such file or directory)");
  const TempFile file("acks=all\n");
  EXPECT_EQ(shop::resolve_kafka_config({file.path()}, {}, fake_env({{"KAFKA_CONFIG_FILE", "/nonexistent"}})).size(), 1u);
}

TEST(KafkaConfig, BrokersAreTheLastBootstrapServers) {
  EXPECT_EQ(shop::kafka_config_brokers({}), std::nullopt);
  EXPECT_EQ(shop::kafka_config_brokers({{"bootstrap.servers", "a:9092", "-F f:1"},
                                        {"metadata.broker.list", "b:9092", "-X"}}),
            "b:9092");
}

TEST(KafkaConfig, RedactsEverySecretValueAndNothingElse) {
  const std::vector<KafkaProperty> config{{"sasl.username", "alice", "-F f:1"},
                                          {"sasl.password", "hunter2", "-F f:2"},
                                          {"ssl.key.password", "hunter2-longer", "-X"},
                                          {"sasl.oauthbearer.client.secret", "", "-X"}};
  EXPECT_EQ(shop::redact_kafka_secrets("Invalid value \"hunter2-longer\" and hunter2 for alice", config),
            "Invalid value \"****\" and **** for alice");
  EXPECT_EQ(shop::redact_kafka_secrets("nothing secret here", config), "nothing secret here");
}

// The broker lists librdkafka takes pass; the ones it would wait out its timeout on are
// refused at once, with the entry and why.
TEST(KafkaBrokers, TheFormsLibrdkafkaTakesPass) {
  for (const char* brokers : {"127.0.0.1:9092", "a:9092,b:9093", " a:9092 , b ", "broker.example.com",
                              "SASL_SSL://pkc-1.confluent.cloud:9092", "ssl://b-1.msk:9094,plaintext://h:1",
                              "[::1]:9092", "[fe80::1]", "a:9092,"}) {
    EXPECT_NO_THROW(shop::check_kafka_brokers(brokers, "--brokers")) << brokers;
  }
}

std::string broker_error(std::string_view brokers) {
  try {
    shop::check_kafka_brokers(brokers, "--brokers");
  } catch (const shop::UsageError& e) {
    return e.what();
  }
  return "<accepted>";
}

TEST(KafkaBrokers, MistakesAreOneLineNamingTheEntry) {
  EXPECT_EQ(broker_error("kafka://127.0.0.1:9092"),
            "--brokers: 'kafka://127.0.0.1:9092' has the scheme 'kafka://', which Kafka clients do not use (librdkafka "
            "takes only plaintext://, ssl://, sasl_plaintext:// and sasl_ssl://) (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error("a:9092,b:port"),
            "--brokers: 'b:port' has a port that is not a number from 1 to 65535 (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error("a:99999"),
            "--brokers: 'a:99999' has a port that is not a number from 1 to 65535 (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error("a:0"),
            "--brokers: 'a:0' has a port that is not a number from 1 to 65535 (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error(":9092"), "--brokers: ':9092' has no host (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error("a:"), "--brokers: 'a:' has an empty port (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error("h:9092/topic"),
            "--brokers: 'h:9092/topic' has a port that is not a number from 1 to 65535 (expected host:port, "
            "comma-separated)");
  EXPECT_EQ(broker_error("[::1:9092"),
            "--brokers: '[::1:9092' has an IPv6 address without its closing ']' (expected host:port, comma-separated)");
  EXPECT_EQ(broker_error(" , "), "--brokers: no broker given (expected host:port, comma-separated)");
}
