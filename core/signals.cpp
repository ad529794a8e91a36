#include "core/signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <mutex>

namespace shop {
namespace {

std::atomic<int> g_stop_signal{0};
std::atomic<int> g_signal_count{0};
// Self-pipe: the handler writes a byte so sleep_unless_stopped() wakes up at once.
int g_wake_pipe[2] = {-1, -1};
std::once_flag g_install_once;
std::atomic<void (*)()> g_immediate_exit_hook{nullptr};

void wake_sleepers() noexcept {
  if (g_wake_pipe[1] >= 0) {
    const char byte = 1;
    [[maybe_unused]] const ssize_t ignored = ::write(g_wake_pipe[1], &byte, 1);
  }
}

extern "C" void handle_stop_signal(int signal_number) {
  if (g_signal_count.fetch_add(1) >= 1) {
    // Second signal: the user insists. Exit now, skipping destructors and flushing, after
    // the one async-signal-safe hook (e.g. restoring the terminal).
    if (auto hook = g_immediate_exit_hook.load(); hook != nullptr) hook();
    ::_exit(128 + signal_number);
  }
  g_stop_signal.store(signal_number);
  wake_sleepers();
}

void make_wake_pipe() {
  if (::pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    g_wake_pipe[0] = g_wake_pipe[1] = -1;  // sleepers then fall back to plain timed waits
  }
}

}  // namespace

void install_signal_handlers() {
  std::call_once(g_install_once, [] {
    make_wake_pipe();
    struct sigaction action {};
    action.sa_handler = handle_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: blocking calls return EINTR and loops re-check the flag
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, nullptr);
  });
}

void set_immediate_exit_hook(void (*hook)()) noexcept { g_immediate_exit_hook.store(hook); }

bool stop_requested() noexcept { return g_stop_signal.load() != 0; }
int stop_signal() noexcept {
  const int value = g_stop_signal.load();
  return value > 0 ? value : 0;
}

void request_stop() noexcept {
  int expected = 0;
  g_stop_signal.compare_exchange_strong(expected, -1);
  wake_sleepers();
}

void reset_stop_request() noexcept {
  g_stop_signal.store(0);
  g_signal_count.store(0);
  if (g_wake_pipe[0] >= 0) {
    char drain[64];
    while (::read(g_wake_pipe[0], drain, sizeof drain) > 0) {
    }
  }
}

bool sleep_unless_stopped(std::chrono::nanoseconds duration) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + duration;
  while (!stop_requested()) {
    const auto left = deadline - steady_clock::now();
    if (left <= nanoseconds::zero()) return true;
    if (g_wake_pipe[0] < 0) {
      // No pipe: sleep in short slices so a stop is still noticed quickly.
      ::usleep(static_cast<useconds_t>(std::min<long long>(duration_cast<microseconds>(left).count(), 50'000)));
      continue;
    }
    // Round up so a sub-millisecond remainder does not spin.
    const auto timeout_ms = duration_cast<milliseconds>(left + milliseconds(1) - nanoseconds(1)).count();
    pollfd wake{g_wake_pipe[0], POLLIN, 0};
    ::poll(&wake, 1, static_cast<int>(std::min<long long>(timeout_ms, 1000)));
  }
  return false;
}

}  // namespace shop
