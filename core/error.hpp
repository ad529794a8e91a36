#pragma once
// The one error type of the project, and the exit statuses every program uses.
#include <stdexcept>
#include <string>

namespace shop {

// Exit statuses (DESIGN.md "Conventions"). Nothing else is ever returned by a program.
enum class ExitCode : int {
  ok = 0,       // success, also a closed stdout (EPIPE) and --help/--version
  failure = 1,  // runtime failure: server unreachable, SQL error, data lost
  usage = 2,    // bad flag or value; the message names the flag
};

// Thrown by lower layers; run_tool() prints "shop-<tool>: error: <what>" and exits with
// exit_code(). The message never contains a password (callers mask URLs).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::failure)
      : std::runtime_error(what), m_code(code) {}
  [[nodiscard]] ExitCode exit_code() const noexcept { return m_code; }

 private:
  ExitCode m_code;
};

// A bad flag or value (exit 2). The message should name the flag, e.g. "--users: must be > 0".
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what, ExitCode::usage) {}
};

// Thrown when stdout's reader went away (EPIPE): the program ends quietly with status 0.
class StdoutClosed : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "stdout closed"; }
};

}  // namespace shop
