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
