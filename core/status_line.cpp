#include "core/status_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "core/diagnostics.hpp"
#include "core/output.hpp"

namespace shop {

namespace {

std::atomic<bool> g_on_screen{false};
static_assert(std::atomic<bool>::is_always_lock_free, "read in a signal handler");

bool continuation_byte(char byte) { return (static_cast<unsigned char>(byte) & 0xC0) == 0x80; }

// The terminal's width, or 0 when stderr is not one or does not say.
size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

}  // namespace

bool status_line_on_screen() noexcept { return g_on_screen.load(std::memory_order_relaxed); }

std::string clip_to_columns(std::string_view text, size_t columns) {
  size_t characters = 0;
  for (char byte : text) characters += continuation_byte(byte) ? 0U : 1U;
  if (characters <= columns) return std::string(text);
  if (columns == 0) return {};
  // Keep columns - 1 characters, then the ellipsis.
  size_t kept = 0;
  size_t end = 0;
  for (; end < text.size(); ++end) {
    if (!continuation_byte(text[end])) {
      if (kept == columns - 1) break;
      ++kept;
    }
  }
  return std::string(text.substr(0, end)) + "\u2026";
}

StatusLine::StatusLine(bool progress_flag, std::chrono::milliseconds interval)
    : m_enabled(false),
      m_terminal(::isatty(STDERR_FILENO) == 1),
      m_interval(interval),
      m_last(std::chrono::steady_clock::now()) {  // the first update comes one interval in
  m_enabled = verbosity() != Verbosity::quiet && (progress_flag || m_terminal);
}

StatusLine::~StatusLine() { clear(); }

bool StatusLine::due(std::chrono::steady_clock::time_point now) const noexcept {
  return m_enabled && now - m_last >= m_interval;
}

void StatusLine::update(std::string_view text, std::chrono::steady_clock::time_point now) {
  if (!m_enabled) return;
  m_last = now;
  if (m_terminal) {
    // Carriage return + erase line: redraw in place.
    std::string line = "\r\x1b[K";
    // One column short of the width: writing the last column makes some terminals wrap.
    const size_t columns = terminal_columns();
    line += columns > 1 ? clip_to_columns(text, columns - 1) : std::string(text);
    try {
      write_all(STDERR_FILENO, line);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a failing stderr must not stop the work
    }
    m_drawn = true;
    g_on_screen.store(true, std::memory_order_relaxed);
  } else {
    write_stderr_line(text);
  }
}

void StatusLine::clear() {
  if (m_terminal && m_drawn) {
    try {
      write_all(STDERR_FILENO, "\r\x1b[K");
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
    m_drawn = false;
    g_on_screen.store(false, std::memory_order_relaxed);
  }
}

}  // namespace shop
