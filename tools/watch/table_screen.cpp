#include "table_screen.hpp"

#include <curses.h>
#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdlib>
#include <ctime>

#include "core/signals.hpp"
#include "core/text.hpp"

namespace shop::watch {
namespace {

enum ColorPair : short { k_inserted = 1, k_updated = 2, k_removed = 3, k_bar = 4 };

termios g_saved_terminal{};
bool g_have_saved_terminal = false;

// On a second signal (no destructors run): back to the terminal's own mode, out of the
// alternate screen, cursor shown. Only async-signal-safe calls.
extern "C" void restore_terminal_now() {
  if (g_have_saved_terminal) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_terminal);
  static constexpr char k_reset[] = "\033[0m\033[?1049l\033[?25h\r\n";
  [[maybe_unused]] const ssize_t ignored = ::write(STDOUT_FILENO, k_reset, sizeof(k_reset) - 1);
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

// `text` cut to `width` characters (UTF-8 aware), padded with spaces when `pad`.
std::string fit(std::string_view text, size_t width, bool right_align) {
  std::string out;
  size_t used = 0;
  for (size_t i = 0; i < text.size() && used < width; ++i) {
    const char c = text[i];  // printable_text(): no control characters left
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      if (used == width) break;
      ++used;
    }
    out += c;
  }
  const std::string padding(width - used, ' ');
  return right_align ? padding + out : out + padding;
}

std::string wall_clock_time() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[16];
  std::strftime(text, sizeof text, "%H:%M:%S", &local);
  return text;
}

}  // namespace

TableScreen::TableScreen(bool color) {
  std::setlocale(LC_ALL, "");
  g_have_saved_terminal = ::tcgetattr(STDIN_FILENO, &g_saved_terminal) == 0;
  set_immediate_exit_hook(&restore_terminal_now);
  initscr();
  cbreak();  // keys at once; Ctrl-C still raises SIGINT (handled as a stop)
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  m_color = color && has_colors();
  if (m_color) {
    start_color();
    use_default_colors();
    init_pair(k_inserted, COLOR_GREEN, -1);
    init_pair(k_updated, COLOR_YELLOW, -1);
    init_pair(k_removed, COLOR_RED, -1);
    init_pair(k_bar, COLOR_CYAN, -1);
  }
}

TableScreen::~TableScreen() {
  endwin();
  set_immediate_exit_hook(nullptr);
}

bool TableScreen::handle_input(std::chrono::milliseconds wait) {
  timeout(static_cast<int>(wait.count()));
  for (;;) {
    const int key = getch();
    if (key == ERR) return true;
    if (key == 'q' || key == 'Q') return false;
    if (key == KEY_RESIZE) clear();  // redrawn at the new size by the next draw()
    timeout(0);
  }
}

void TableScreen::draw(const TableModel& model, const ScreenInfo& info, TableModel::Clock::time_point now) {
  int height = 0;
  int width = 0;
  getmaxyx(stdscr, height, width);
  erase();
  const auto& columns = model.columns();
  const size_t fits = height > 3 ? static_cast<size_t>(height - 3) : 0;
  const size_t limit = info.limit > 0 ? std::min(info.limit, fits) : fits;
  const auto rows = model.visible(limit, now);

  // Header: the query, row count, last update, freshness, changes/s, and the status.
  std::string freshness = "-";
  if (!model.last_timestamp().empty()) {
    const double last_ms = std::strtod(model.last_timestamp().c_str(), nullptr);
    const double now_ms = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch())
                                                  .count());
    freshness = fmt::format("{:.1f} s", std::max(0.0, (now_ms - last_ms) / 1000.0));
  }
  static std::string last_update = "-";
  if (model.last_change() && now - *model.last_change() < std::chrono::milliseconds(200)) last_update = wall_clock_time();
  std::string header = fmt::format(" {} | {} rows | updated {} | freshness {} | {:.1f} changes/s", info.query,
                                   model.row_count(), last_update, freshness, model.change_rate(now));
  if (!info.status.empty()) header += " | " + info.status;
  attron(A_REVERSE);
  mvaddstr(0, 0, fit(printable_text(header), static_cast<size_t>(width), false).c_str());
  attroff(A_REVERSE);

  // What each visible cell shows: a server's bytes as text that cannot act on the
  // terminal (an ESC in a row) or vanish (a byte that is not UTF-8), one column each.
  std::vector<std::string> names_shown;
  for (const auto& column : columns) names_shown.push_back(printable_text(column.name));
  std::vector<std::vector<std::string>> cells_shown;
  for (const auto& row : rows) {
    auto& shown = cells_shown.emplace_back();
    for (const auto& cell : row.cells) shown.push_back(printable_text(cell.value_or("")));
  }
  // Column widths from the header and the visible cells, capped.
  std::vector<size_t> widths;
  for (size_t c = 0; c < columns.size(); ++c) {
    size_t w = display_width(names_shown[c]);
    for (const auto& shown : cells_shown) w = std::max(w, display_width(shown[c]));
    widths.push_back(std::min<size_t>(w, 40));
  }
  std::string names = "  ";
  for (size_t c = 0; c < columns.size(); ++c) {
    names += fit(names_shown[c], widths[c], columns[c].kind == ColumnKind::number) + "  ";
  }
  attron(A_BOLD);
  mvaddstr(1, 0, fit(names, static_cast<size_t>(width), false).c_str());
  attroff(A_BOLD);

  // The bar's scale: the largest value of its column among the visible rows.
  double bar_max = 0;
  if (info.bar_column) {
    for (const auto& row : rows) bar_max = std::max(bar_max, std::strtod(row.cells[*info.bar_column].value_or("0").c_str(), nullptr));
  }
  const size_t text_width = display_width(names);
  const size_t bar_width = static_cast<size_t>(width) > text_width + 10 ? static_cast<size_t>(width) - text_width - 1 : 0;

  int y = 2;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const char marker = row.mark == Mark::inserted ? '+' : row.mark == Mark::updated ? '~' : row.mark == Mark::removed ? '-' : ' ';
    std::string line(1, marker);
    line += ' ';
    for (size_t c = 0; c < columns.size(); ++c) {
      line += fit(cells_shown[r][c], widths[c], columns[c].kind == ColumnKind::number) + "  ";
    }
    if (row.count > 1) line += fmt::format("x{} ", row.count);
    const short pair = row.mark == Mark::inserted ? k_inserted
                       : row.mark == Mark::updated ? k_updated
                       : row.mark == Mark::removed ? k_removed
                                                   : 0;
    const attr_t attributes = (m_color && pair != 0 ? COLOR_PAIR(pair) : 0) | (row.mark != Mark::none ? A_BOLD : 0) |
                              (row.mark == Mark::removed ? A_DIM : 0);
    attron(attributes);
    mvaddstr(y, 0, fit(line, static_cast<size_t>(width), false).c_str());
    attroff(attributes);
    if (info.bar_column && bar_max > 0 && bar_width > 0) {
      const double value = std::strtod(row.cells[*info.bar_column].value_or("0").c_str(), nullptr);
      const auto length = static_cast<size_t>(std::max(0.0, value / bar_max) * static_cast<double>(bar_width));
      std::string bar;
      for (size_t i = 0; i < length; ++i) bar += "\u2588";
      if (m_color) attron(COLOR_PAIR(k_bar));
      mvaddstr(y, static_cast<int>(text_width), bar.c_str());
      if (m_color) attroff(COLOR_PAIR(k_bar));
    }
    if (++y >= height) break;
  }
  if (rows.empty()) mvaddstr(2, 2, model.columns().empty() ? "waiting for the first result..." : "(no rows)");
  refresh();
}

}  // namespace shop::watch
