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

 private:
  std::string m_buffer;
  size_t m_limit;
};

// Writes all of `data` to the file descriptor; throws StdoutClosed on EPIPE, Error otherwise.
void write_all(int fd, std::string_view data);

}  // namespace shop
