#pragma once
// The full-screen live table (ncurses). Owns the terminal from construction to
// destruction: the destructor, and on a second signal an async-signal-safe hook, always
// give it back as it was.
#include <chrono>
#include <string>

#include "table_model.hpp"

namespace shop::watch {

struct ScreenInfo {
  std::string query;
  std::string status;                // "" or e.g. "reconnecting (...)"
  std::optional<size_t> bar_column;  // --bar
  size_t limit = 0;                  // --limit; 0: what fits
};

class TableScreen {
 public:
  // `color`: false with NO_COLOR (marks are then shown by their +, ~, - only).
  explicit TableScreen(bool color);
  ~TableScreen();
  TableScreen(const TableScreen&) = delete;
  TableScreen& operator=(const TableScreen&) = delete;

  // Reads keys for up to `wait`; false once the user asked to quit ('q', 'Q').
  bool handle_input(std::chrono::milliseconds wait);
  void draw(const TableModel& model, const ScreenInfo& info, TableModel::Clock::time_point now);

 private:
  bool m_color;
};

}  // namespace shop::watch
