#include "core/signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>
#include <utility>

#include "core/diagnostics.hpp"
#include "core/status_line.hpp"

namespace shop {
namespace {

std::atomic<int> g_stop_signal{0};
std::atomic<int> g_signal_count{0};
// Self-pipe: the handler writes a byte so sleep_unless_stopped() wakes up at once.
int g_wake_pipe[2] = {-1, -1};
std::once_flag g_install_once;
std::atomic<void (*)()> g_immediate_exit_hook{nullptr};
std::atomic<const ImmediateExitReport*> g_immediate_exit_report{nullptr};

// Async-signal-safe output for the second signal: write() and our own digits only.
void write_raw(const char* text, size_t size) noexcept {
  while (size > 0) {
    const ssize_t written = ::write(STDERR_FILENO, text, size);
    if (written <= 0) return;
    text += written;
    size -= static_cast<size_t>(written);
  }
}
void write_raw(const char* text) noexcept { write_raw(text, std::strlen(text)); }
// 1234567 -> "1,234,567", as every other count the programs print.
void write_grouped(uint64_t value) noexcept {
  char digits[32];
  size_t size = 0;
  size_t in_group = 0;
  do {
    if (in_group == 3) {
      digits[size++] = ',';
      in_group = 0;
    }
    digits[size++] = static_cast<char>('0' + value % 10);
    value /= 10;
    ++in_group;
  } while (value > 0);
  for (size_t i = 0; i < size / 2; ++i) std::swap(digits[i], digits[size - 1 - i]);
  write_raw(digits, size);
}

void say_immediate_exit() noexcept {
  // Only a program with something to account for says it (shop-pageviews' messages in
  // flight); a full-screen one (shop-watch's table) has just restored the terminal, and
  // its shell's prompt comes next.
  const ImmediateExitReport* report = g_immediate_exit_report.load();
  if (report == nullptr) return;
  // The status line is on the screen without its newline: end it first.
  if (status_line_on_screen()) write_raw("\n");
  write_raw(program_name().c_str());
  write_raw(": second signal: exiting at once");
  {
    const uint64_t handed = report->handed->load(std::memory_order_relaxed);
    const uint64_t settled = report->settled->load(std::memory_order_relaxed);
    write_raw("; ");
    write_grouped(handed > settled ? handed - settled : 0);
    write_raw(" ");
    write_raw(report->what);
  }
  write_raw("\n");
}

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
    say_immediate_exit();
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
void set_immediate_exit_report(const ImmediateExitReport* report) noexcept { g_immediate_exit_report.store(report); }

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
