#pragma once
#include <atomic>
#include <cstdint>
// SIGINT/SIGTERM handling shared by every program (DESIGN.md "Conventions"):
// the first signal asks the program to stop gracefully, a second one exits at once with
// 128+signal. SIGPIPE is ignored so a closed stdout shows up as EPIPE (see output.hpp).
#include <chrono>

namespace shop {

// Installs the handlers once; later calls do nothing. The handlers only set a flag and
// wake sleepers (async-signal-safe).
void install_signal_handlers();

// A function the handler calls just before exiting on a second signal; it must be
// async-signal-safe (write(), tcsetattr()). nullptr removes it.
void set_immediate_exit_hook(void (*hook)()) noexcept;

// What a second signal says before it exits, when a report is set: "<program>: second
// signal: exiting at once; 1,024 page views not delivered" (how many of what was handed
// on had no outcome yet), after ending a status line. Without a report it says nothing. The counters are read in the handler: lock-free atomics
// that the program keeps current (one writer each). nullptr removes the report.
struct ImmediateExitReport {
  const std::atomic<uint64_t>* handed = nullptr;   // e.g. messages handed to librdkafka
  const std::atomic<uint64_t>* settled = nullptr;  // of those, delivered or failed
  const char* what = "";                           // "page views not delivered"
};
void set_immediate_exit_report(const ImmediateExitReport* report) noexcept;

// True once a stop was requested (by a signal or request_stop()).
[[nodiscard]] bool stop_requested() noexcept;
// The signal that asked for the stop, or 0.
[[nodiscard]] int stop_signal() noexcept;
// Asks for a graceful stop as a signal would (for tests and for internal shutdown).
void request_stop() noexcept;
// Clears a stop request (tests only: several run() calls in one process).
void reset_stop_request() noexcept;

// Sleeps for `duration` or until a stop is requested, whichever comes first.
// Returns false when it woke up because of a stop request.
bool sleep_unless_stopped(std::chrono::nanoseconds duration);

}  // namespace shop
