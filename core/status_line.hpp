#pragma once
// The one-line live status on stderr, about once a second (DESIGN.md "Conventions"):
// redrawn in place on a terminal, one plain line per update otherwise (with --progress).
#include <chrono>
#include <string_view>

namespace shop {

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
