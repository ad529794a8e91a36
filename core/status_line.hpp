#pragma once
// The one-line live status on stderr, about once a second (DESIGN.md "Conventions"):
// redrawn in place on a terminal, one plain line per update otherwise (with --progress).
#include <chrono>
#include <string>
#include <string_view>

namespace shop {

// The longest prefix of `text` that fits in `columns` terminal columns, counting each
// UTF-8 character as one column and never splitting one; with no room left the last
// column is "…" (one column), so a clipped line shows it was clipped.
[[nodiscard]] std::string clip_to_columns(std::string_view text, size_t columns);

// True while a status line is drawn on the terminal without its newline (at most one
// per process); async-signal-safe, for the second signal's message (core/signals.cpp).
[[nodiscard]] bool status_line_on_screen() noexcept;

class StatusLine {
 public:
  // Shown when `progress_flag` is set or stderr is a terminal, and never with -q.
  explicit StatusLine(bool progress_flag, std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~StatusLine();
  StatusLine(const StatusLine&) = delete;
  StatusLine& operator=(const StatusLine&) = delete;

  [[nodiscard]] bool enabled() const noexcept { return m_enabled; }
  // True when enabled and at least one interval passed since the last update; callers
  // build the (possibly costly) text only then.
  [[nodiscard]] bool due(std::chrono::steady_clock::time_point now) const noexcept;
  // On a terminal the line is clipped to one column less than its width, read at each
  // update so it follows resizes: a line that wrapped would leave its first part on the
  // screen at every redraw.
  void update(std::string_view text, std::chrono::steady_clock::time_point now);
  // Erases the line on a terminal so the final summary starts on a clean line.
  void clear();

 private:
  bool m_enabled;
  bool m_terminal;
  bool m_drawn = false;
  std::chrono::milliseconds m_interval;
  std::chrono::steady_clock::time_point m_last{};
};

}  // namespace shop
