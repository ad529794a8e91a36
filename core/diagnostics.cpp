#include "core/diagnostics.hpp"

#include <unistd.h>

#include <cerrno>

namespace shop {
namespace {
std::string g_program_name = "shop";
Verbosity g_verbosity = Verbosity::normal;
}  // namespace

void set_program_name(std::string_view name) { g_program_name = std::string(name); }
const std::string& program_name() { return g_program_name; }
void set_verbosity(Verbosity v) { g_verbosity = v; }
Verbosity verbosity() { return g_verbosity; }

void write_stderr_line(std::string_view line) {
  std::string buffer;
  buffer.reserve(line.size() + 1);
  buffer.append(line);
  buffer.push_back('\n');
  const char* data = buffer.data();
  size_t left = buffer.size();
  while (left > 0) {
    const ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a failing stderr
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
}

void print_error(std::string_view message) {
  write_stderr_line(fmt::format("{}: error: {}", g_program_name, message));
}

void print_warning(std::string_view message) {
  write_stderr_line(fmt::format("{}: warning: {}", g_program_name, message));
}

}  // namespace shop
