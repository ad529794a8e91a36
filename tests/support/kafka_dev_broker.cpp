// kafka-dev-broker: a one-broker Kafka-protocol server for tests, built on librdkafka's
// mock cluster (rdkafka_mock.h). Producers (idempotent, acks=all) and plain consumers
// (kcat -C, rd_kafka_consume_*) work against it. Limits of the mock (librdkafka 2.0.2):
// data lives in memory only; each partition keeps only its newest ~5 MiB (or 100000
// message sets), older messages are dropped as if by retention; any Metadata request
// naming an unknown topic creates it, consumers' included.
//
//   kafka-dev-broker [--port P] [--control-port C] [--partitions N]
//                    [--topic NAME[:PARTITIONS]]... [--debug]
//
// Prints "listening 127.0.0.1:P" on stdout once the broker answers, then runs until
// SIGINT/SIGTERM and exits 0. A line-based TCP control listener on 127.0.0.1:C accepts
//   down | up | create-topic NAME [PARTITIONS] | status
// each answered by one line "ok ..." or "error ...", so shell scripts can drive it
// through bash's /dev/tcp (see scripts/services.sh broker-down / broker-up).
//
// librdkafka 2.0.2's mock API cannot choose the listener port; a fixed port is obtained by
// interposing bind() (see below), checked at startup so a librdkafka that behaves
// differently gives an error, never a silent change. Auto-created topics always get the
// mock's fixed 4 partitions (no API changes it); --partitions applies to the topics this
// program creates (--topic, create-topic).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

constexpr const char* kProgram = "kafka-dev-broker";
constexpr const char* kVersion = "0.1.0";
constexpr int kMockDefaultPartitions = 4;  // librdkafka 2.0.2: rd_kafka_mock_cluster_new()
constexpr int kMaxPartitions = 10000;

// ---------------------------------------------------------------------------------------
// Fixed port for the mock broker: bind() interposition.
//
// rd_kafka_mock_cluster_new() (2.0.2) creates each broker's listener itself with
// bind(127.0.0.1:0) and offers no way to pass a port. Tests and services.sh need the same
// port across restarts (clients and exported KAFKA_BROKERS keep working), so this program
// defines bind() itself: the executable comes first in the dynamic linker's lookup order,
// so librdkafka.so's call to bind() lands here (the symbol is exported from the
// executable because a linked shared library references it). While `g_bind_armed` is set
// (only around the one rd_kafka_mock_cluster_new() call for the real cluster), the first
// TCP bind to 127.0.0.1 port 0 is rewritten to the wanted port, with SO_REUSEADDR so a
// restart is not refused while the previous run's connections sit in TIME_WAIT. Every
// other bind() passes through untouched to the next definition (libc's, or the
// sanitizer's interceptor) found with dlsym(RTLD_NEXT). main() checks the port the mock
// reports, so a librdkafka that binds differently fails loudly instead of drifting.
// (Why not something else: a TCP proxy on the wanted port does not work, because the
// mock advertises its own host:port in Metadata and clients then connect there; an
// LD_PRELOAD library would need a second artifact and an environment variable at every
// start. librdkafka 2.0.2 also aborts on a failed listener bind, so main() checks that
// the port is free before creating the cluster.)
// ---------------------------------------------------------------------------------------
std::atomic<bool> g_bind_armed{false};
std::atomic<bool> g_bind_rewritten{false};
std::atomic<std::uint16_t> g_wanted_port{0};
std::atomic<int> g_bind_errno{0};

using BindFn = int (*)(int, const sockaddr*, socklen_t);

BindFn next_bind() noexcept {
  static const BindFn fn = [] {
    void* sym = dlsym(RTLD_NEXT, "bind");
    BindFn out = nullptr;
    static_assert(sizeof(out) == sizeof(sym));
    std::memcpy(&out, &sym, sizeof(out));  // object pointer -> function pointer (POSIX)
    return out;
  }();
  return fn;
}

}  // namespace

extern "C" int bind(int fd, const sockaddr* addr, socklen_t len) noexcept {
  const BindFn real = next_bind();
  if (real == nullptr) {
    errno = ENOSYS;
    return -1;
  }
  if (addr != nullptr && len >= sizeof(sockaddr_in) && addr->sa_family == AF_INET &&
      g_bind_armed.load() && !g_bind_rewritten.load()) {
    sockaddr_in sin{};
    std::memcpy(&sin, addr, sizeof(sin));
    int type = 0;
    socklen_t type_len = sizeof(type);
    if (sin.sin_port == 0 && ntohl(sin.sin_addr.s_addr) == INADDR_LOOPBACK &&
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 && type == SOCK_STREAM) {
      g_bind_rewritten.store(true);
      sin.sin_port = htons(g_wanted_port.load());
      const int one = 1;
      (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      const int rc = real(fd, reinterpret_cast<const sockaddr*>(&sin), sizeof(sin));
      g_bind_errno.store(rc == 0 ? 0 : errno);
      return rc;
    }
  }
  return real(fd, addr, len);
}

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_signal(int) { g_stop = 1; }

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "%s: error: %s (see --help)\n", kProgram, what.c_str());
  std::exit(2);
}

void print_error(const std::string& what) {
  std::fprintf(stderr, "%s: error: %s\n", kProgram, what.c_str());
}

void print_help() {
  std::printf(
      "Usage: %s [options]\n"
      "A one-broker Kafka-protocol server for tests (librdkafka mock cluster, in memory).\n"
      "\n"
      "  --port P             Kafka listener port on 127.0.0.1 (0 = any free port; default 0)\n"
      "  --control-port C     line-based control listener on 127.0.0.1 (0 = any; default 0)\n"
      "                       commands: down | up | create-topic NAME [PARTITIONS] | status\n"
      "  --partitions N       partitions of the topics it creates (--topic, create-topic; default %d);\n"
      "                       auto-created topics always get librdkafka's fixed %d\n"
      "  --topic NAME[:N]     create a topic at startup (N defaults to --partitions); repeatable\n"
      "  --debug              librdkafka debug logging of the mock cluster (stderr)\n"
      "  --help, --version\n"
      "\n"
      "Prints \"listening 127.0.0.1:P\" and \"control 127.0.0.1:C\" on stdout when ready;\n"
      "runs until SIGINT or SIGTERM, then exits 0.\n",
      kProgram, kMockDefaultPartitions, kMockDefaultPartitions);
}

std::optional<long> parse_long(std::string_view s) {
  long v = 0;
  const auto* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || ptr != end || s.empty()) return std::nullopt;
  return v;
}

std::uint16_t parse_port(const std::string& flag, std::string_view value) {
  const auto v = parse_long(value);
  if (!v || *v < 0 || *v > 65535) usage_error(flag + ": '" + std::string(value) + "' is not a port (0..65535)");
  return static_cast<std::uint16_t>(*v);
}

int parse_partitions(const std::string& flag, std::string_view value) {
  const auto v = parse_long(value);
  if (!v || *v < 1 || *v > kMaxPartitions)
    usage_error(flag + ": '" + std::string(value) + "' is not a partition count (1.." +
                std::to_string(kMaxPartitions) + ")");
  return static_cast<int>(*v);
}

// Kafka's own rule for topic names.
bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

struct TopicSpec {
  std::string name;
  int partitions = 0;  // 0: the --partitions default
};

struct Options {
  std::uint16_t port = 0;
  std::uint16_t control_port = 0;
  int partitions = kMockDefaultPartitions;
  std::vector<TopicSpec> topics;
  bool debug = false;
};

Options parse_args(int argc, char** argv) {
  Options opt;
  std::vector<std::string> topic_args;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      if (const auto eq = arg.find('='); eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg.resize(eq);
      }
    }
    auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      print_help();
      std::exit(0);
    } else if (arg == "--version") {
      std::printf("%s %s (librdkafka %s)\n", kProgram, kVersion, rd_kafka_version_str());
      std::exit(0);
    } else if (arg == "--port") {
      opt.port = parse_port(arg, value());
    } else if (arg == "--control-port") {
      opt.control_port = parse_port(arg, value());
    } else if (arg == "--partitions") {
      opt.partitions = parse_partitions(arg, value());
    } else if (arg == "--topic") {
      topic_args.push_back(value());
    } else if (arg == "--debug") {
      opt.debug = true;
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  for (const auto& t : topic_args) {
    TopicSpec spec;
    const auto colon = t.rfind(':');
    spec.name = t.substr(0, colon);
    if (colon != std::string::npos) spec.partitions = parse_partitions("--topic", t.substr(colon + 1));
    if (!valid_topic_name(spec.name))
      usage_error("--topic: '" + spec.name + "' is not a valid topic name ([a-zA-Z0-9._-], 1..249)");
    opt.topics.push_back(spec);
  }
  return opt;
}

// ---------------------------------------------------------------------------------------
// librdkafka handles
// ---------------------------------------------------------------------------------------
// Owning handles: destroyed on every return path.
template <typename T, void (*destroy)(T*)>
struct Deleter {
  void operator()(T* handle) const { destroy(handle); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, Deleter<rd_kafka_t, rd_kafka_destroy>>;
using MockCluster = std::unique_ptr<rd_kafka_mock_cluster_t, Deleter<rd_kafka_mock_cluster_t, rd_kafka_mock_cluster_destroy>>;

// A producer handle: the mock cluster needs one for its bookkeeping; producers are also
// what `status` uses (allow.auto.create.topics is on for them).
rd_kafka_t* new_producer(const std::vector<std::pair<std::string, std::string>>& settings,
                         std::string& why) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [key, val] : settings) {
    if (rd_kafka_conf_set(conf, key.c_str(), val.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      why = key + ": " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    why = errstr;
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

// Topic name -> partition count, from a metadata request to `bootstraps`.
// Returns nullopt when the broker does not answer within timeout_ms.
std::optional<std::vector<std::pair<std::string, int>>> list_topics(const std::string& bootstraps,
                                                                    const char* only_topic,
                                                                    int timeout_ms) {
  std::string why;
  KafkaHandle client(new_producer({{"bootstrap.servers", bootstraps},
                                   {"log_level", "0"},
                                   {"allow.auto.create.topics", "true"}},
                                  why));
  if (client.get() == nullptr) return std::nullopt;
  rd_kafka_topic_t* rkt = nullptr;
  if (only_topic != nullptr) rkt = rd_kafka_topic_new(client.get(), only_topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(client.get(), rkt == nullptr ? 1 : 0, rkt, &md, timeout_ms);
  if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md == nullptr) return std::nullopt;
  std::vector<std::pair<std::string, int>> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR) out.emplace_back(t.topic, t.partition_cnt);
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------------------------------
// Control listener
// ---------------------------------------------------------------------------------------
int open_control_listener(std::uint16_t port, std::uint16_t& bound_port, std::string& why) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  const int one = 1;
  (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sin);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&sin), len) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
    why = std::strerror(errno);
    close(fd);
    return -1;
  }
  bound_port = ntohs(sin.sin_port);
  return fd;
}

// Whether 127.0.0.1:port can be bound for listening the way the mock binds it
// (SO_REUSEADDR, so connections of a previous run in TIME_WAIT do not count).
bool port_is_free(std::uint16_t port, std::string& why) {
  std::uint16_t bound = 0;
  const int fd = open_control_listener(port, bound, why);
  if (fd < 0) return false;
  close(fd);
  return true;
}

struct ControlClient {
  int fd = -1;
  std::string in;
  std::string out;
  bool closing = false;
};

class Broker {
 public:
  Broker(rd_kafka_mock_cluster_t* mc, std::string bootstraps, int default_partitions)
      : mc_(mc), bootstraps_(std::move(bootstraps)), default_partitions_(default_partitions) {}

  std::string create_topic(const std::string& name, int partitions) {
    if (!valid_topic_name(name)) return "error invalid topic name '" + name + "' ([a-zA-Z0-9._-], 1..249)";
    const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc_, name.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return "error create-topic " + name + " (" + rd_kafka_err2str(err) + ")";
    return "ok created " + name + " partitions=" + std::to_string(partitions);
  }

  std::string handle(const std::string& line) {
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
      const auto start = line.find_first_not_of(" \t\r", pos);
      if (start == std::string::npos) break;
      const auto end = line.find_first_of(" \t\r", start);
      words.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
      pos = end == std::string::npos ? line.size() : end;
    }
    if (words.empty()) return {};
    const std::string& cmd = words[0];
    if (cmd == "down" && words.size() == 1) {
      const auto err = rd_kafka_mock_broker_set_down(mc_, 1);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error down (") + rd_kafka_err2str(err) + ")";
      up_ = false;
      std::fprintf(stderr, "%s: broker down (connections refused until 'up')\n", kProgram);
      return "ok down " + bootstraps_;
    }
    if (cmd == "up" && words.size() == 1) {
      const auto err = rd_kafka_mock_broker_set_up(mc_, 1);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error up (") + rd_kafka_err2str(err) + ")";
      up_ = true;
      std::fprintf(stderr, "%s: broker up\n", kProgram);
      return "ok up " + bootstraps_;
    }
    if (cmd == "create-topic" && (words.size() == 2 || words.size() == 3)) {
      int partitions = default_partitions_;
      if (words.size() == 3) {
        const auto v = parse_long(words[2]);
        if (!v || *v < 1 || *v > kMaxPartitions)
          return "error invalid partition count '" + words[2] + "' (1.." + std::to_string(kMaxPartitions) + ")";
        partitions = static_cast<int>(*v);
      }
      return create_topic(words[1], partitions);
    }
    if (cmd == "status" && words.size() == 1) {
      std::string reply = std::string("ok ") + (up_ ? "up " : "down ") + bootstraps_;
      if (up_) {
        if (const auto topics = list_topics(bootstraps_, nullptr, 3000)) {
          reply += " topics=";
          for (std::size_t i = 0; i < topics->size(); ++i)
            reply += (i != 0 ? "," : "") + (*topics)[i].first + ":" + std::to_string((*topics)[i].second);
        } else {
          reply += " topics=?";
        }
      }
      return reply;
    }
    return "error unknown command '" + line + "' (expected: down | up | create-topic NAME [PARTITIONS] | status)";
  }

 private:
  rd_kafka_mock_cluster_t* mc_;
  std::string bootstraps_;
  int default_partitions_;
  bool up_ = true;
};

constexpr std::size_t kMaxLine = 4096;

void serve_client(Broker& broker, ControlClient& c) {
  char buf[1024];
  for (;;) {
    const ssize_t n = recv(c.fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) c.closing = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.closing = true;
    break;
  }
  std::size_t nl;
  while ((nl = c.in.find('\n')) != std::string::npos) {
    const std::string line = c.in.substr(0, nl);
    c.in.erase(0, nl + 1);
    const std::string reply = broker.handle(line);
    if (!reply.empty()) c.out += reply + "\n";
  }
  if (c.in.size() > kMaxLine) {
    c.out += "error line too long\n";
    c.in.clear();
    c.closing = true;
  }
  // Answer a last command sent without a newline before the peer closed its side.
  if (c.closing && !c.in.empty()) {
    const std::string reply = broker.handle(c.in);
    c.in.clear();
    if (!reply.empty()) c.out += reply + "\n";
  }
  while (!c.out.empty()) {
    const ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      c.out.clear();
      c.closing = true;
      break;
    }
    c.out.erase(0, static_cast<std::size_t>(n));
  }
}

std::uint16_t port_of(const std::string& bootstraps) {
  const auto colon = bootstraps.rfind(':');
  if (colon == std::string::npos) return 0;
  const auto v = parse_long(std::string_view(bootstraps).substr(colon + 1));
  return v && *v > 0 && *v <= 65535 ? static_cast<std::uint16_t>(*v) : 0;
}

int run(int argc, char** argv) {
  const Options opt = parse_args(argc, argv);

  // SIGINT/SIGTERM are blocked in every thread (librdkafka's threads inherit the mask)
  // and only let through inside ppoll() below, so the main loop sees them at once.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::string why;
  // The handle never connects anywhere; log_level 4 hides its "no bootstrap.servers" notice.
  std::vector<std::pair<std::string, std::string>> settings{{"client.id", kProgram},
                                                           {"log_level", opt.debug ? "7" : "4"}};
  if (opt.debug) settings.emplace_back("debug", "mock,broker");
  KafkaHandle rk(new_producer(settings, why));
  if (rk.get() == nullptr) {
    print_error("cannot create the librdkafka handle (" + why + ")");
    return 1;
  }

  // librdkafka 2.0.2 aborts (an assertion in rd_kafka_mock_cluster_destroy) when the
  // broker's listener cannot bind, so find out first whether the port is free.
  if (opt.port != 0 && !port_is_free(opt.port, why)) {
    print_error("cannot start the mock broker on 127.0.0.1:" + std::to_string(opt.port) + " (" + why + ")");
    return 1;
  }
  g_wanted_port.store(opt.port);
  g_bind_armed.store(opt.port != 0);
  MockCluster cluster(rd_kafka_mock_cluster_new(rk.get(), 1));
  g_bind_armed.store(false);
  if (cluster.get() == nullptr) {
    const int e = g_bind_errno.load();
    print_error("cannot start the mock broker on 127.0.0.1:" + std::to_string(opt.port) + " (" +
                (e != 0 ? std::strerror(e) : "rd_kafka_mock_cluster_new failed") + ")");
    return 1;
  }
  const std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster.get());
  const std::uint16_t port = port_of(bootstraps);
  if (opt.port != 0 && (!g_bind_rewritten.load() || port != opt.port)) {
    print_error("the mock broker did not take port " + std::to_string(opt.port) + " (it listens on " +
                bootstraps + "; this librdkafka binds its listener differently)");
    return 1;
  }

  Broker broker(cluster.get(), bootstraps, opt.partitions);
  for (const auto& t : opt.topics) {
    const std::string reply = broker.create_topic(t.name, t.partitions != 0 ? t.partitions : opt.partitions);
    if (reply.rfind("ok", 0) != 0) {
      print_error("--topic " + t.name + ": " + reply.substr(reply.find(' ') + 1));
      return 1;
    }
  }

  std::uint16_t control_port = 0;
  const int listen_fd = open_control_listener(opt.control_port, control_port, why);
  if (listen_fd < 0) {
    print_error("cannot listen on control port 127.0.0.1:" + std::to_string(opt.control_port) + " (" + why + ")");
    return 1;
  }

  std::printf("listening 127.0.0.1:%u\ncontrol 127.0.0.1:%u\n", static_cast<unsigned>(port),
              static_cast<unsigned>(control_port));
  std::fflush(stdout);
  std::fprintf(stderr, "%s: Kafka listener 127.0.0.1:%u, control 127.0.0.1:%u, librdkafka %s, "
                       "topics it creates get %d partitions (auto-created: %d)\n",
               kProgram, static_cast<unsigned>(port), static_cast<unsigned>(control_port),
               rd_kafka_version_str(), opt.partitions, kMockDefaultPartitions);

  std::vector<ControlClient> clients;
  sigset_t wait_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &wait_mask);
  sigdelset(&wait_mask, SIGINT);
  sigdelset(&wait_mask, SIGTERM);
  while (g_stop == 0) {
    std::vector<pollfd> fds;
    fds.push_back({listen_fd, POLLIN, 0});
    for (const auto& c : clients)
      fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    const int n = ppoll(fds.data(), fds.size(), nullptr, &wait_mask);
    if (n < 0) {
      if (errno == EINTR) continue;
      print_error(std::string("poll (") + std::strerror(errno) + ")");
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      for (;;) {
        const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        clients.push_back({fd, {}, {}, false});
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto it = std::find_if(clients.begin(), clients.end(), [&](const ControlClient& c) { return c.fd == fds[i].fd; });
      if (it != clients.end()) serve_client(broker, *it);
    }
    clients.erase(std::remove_if(clients.begin(), clients.end(),
                                 [](const ControlClient& c) {
                                   const bool done = c.closing && c.out.empty();
                                   if (done) close(c.fd);
                                   return done;
                                 }),
                  clients.end());
  }
  for (const auto& c : clients) close(c.fd);
  close(listen_fd);
  std::fprintf(stderr, "%s: stopping\n", kProgram);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  }
}
