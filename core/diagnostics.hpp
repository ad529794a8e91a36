#pragma once
// Diagnostics on stderr, prefixed with the program's name: "shop-seed: error: ...".
#include <fmt/core.h>

#include <string>
#include <string_view>

namespace shop {

enum class Verbosity { quiet, normal, verbose };

// Program name and verbosity, set once by run_tool() and the tool's -q/-v flags.
void set_program_name(std::string_view name);
[[nodiscard]] const std::string& program_name();
void set_verbosity(Verbosity verbosity);
[[nodiscard]] Verbosity verbosity();

// Writes one whole line to stderr in a single write, so lines from threads never interleave.
void write_stderr_line(std::string_view line);

// "shop-<tool>: error: <message>" (always shown, also with -q).
void print_error(std::string_view message);
// "shop-<tool>: warning: <message>" (always shown).
void print_warning(std::string_view message);

// Informational line, hidden by -q.
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  if (verbosity() != Verbosity::quiet) write_stderr_line(fmt::format(format, std::forward<Args>(args)...));
}

// Detail shown only with -v.
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  if (verbosity() == Verbosity::verbose) write_stderr_line(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace shop
