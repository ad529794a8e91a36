#pragma once
// Writing data to stdout with a closed reader (EPIPE, e.g. `| head`) turned into a quiet
// exit 0, as DESIGN.md asks. SIGPIPE is ignored by install_signal_handlers().
#include <string>
#include <string_view>

namespace shop {

// Buffered stdout writer. Throws StdoutClosed when the reader went away, Error on any
// other write failure. flush() is called by the destructor (errors there are swallowed).
class StdoutWriter {
 public:
  explicit StdoutWriter(size_t buffer_bytes = 1 << 16);
  ~StdoutWriter();
  StdoutWriter(const StdoutWriter&) = delete;
  StdoutWriter& operator=(const StdoutWriter&) = delete;

  void write(std::string_view data);
  void flush();
  // For a program with nothing to write for a while (a quiet change stream, a slow
  // rate): throws StdoutClosed when stdout's reader went away. Call it about as often as
  // the program would otherwise write; it is one poll() and never blocks.
  void throw_if_reader_gone() const;

 private:
  std::string m_buffer;
  size_t m_limit;
};

// True when `fd` is the write end of a pipe whose reader closed it (poll() reports
// POLLERR: Linux fs/pipe.c, pipe_poll) or a socket or terminal that hung up (POLLHUP).
// A regular file or /dev/null never reports either. Does not block.
[[nodiscard]] bool reader_gone(int fd) noexcept;

// Writes all of `data` to the file descriptor; throws StdoutClosed on EPIPE, Error otherwise.
void write_all(int fd, std::string_view data);

}  // namespace shop
