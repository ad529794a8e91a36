#include "core/status_line.hpp"

#include <unistd.h>

#include <string>

#include "core/diagnostics.hpp"
#include "core/output.hpp"

namespace shop {

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
    line += text;
    try {
      write_all(STDERR_FILENO, line);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a failing stderr must not stop the work
    }
    m_drawn = true;
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
  }
}

}  // namespace shop
