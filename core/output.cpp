#include "core/output.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.hpp"

namespace shop {

bool reader_gone(int fd) noexcept {
  pollfd watched{fd, 0, 0};  // no events asked for: POLLERR and POLLHUP are always reported
  return ::poll(&watched, 1, 0) == 1 && (watched.revents & (POLLERR | POLLHUP)) != 0;
}

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) throw StdoutClosed();
      throw Error(std::string("cannot write output (") + std::strerror(errno) + ")");
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
}

StdoutWriter::StdoutWriter(size_t buffer_bytes) : m_limit(buffer_bytes) { m_buffer.reserve(buffer_bytes); }

StdoutWriter::~StdoutWriter() {
  try {
    flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; flush() explicitly to see errors
  }
}

void StdoutWriter::write(std::string_view data) {
  if (m_buffer.size() + data.size() > m_limit) {
    flush();
    if (data.size() >= m_limit) {
      write_all(STDOUT_FILENO, data);
      return;
    }
  }
  m_buffer.append(data);
}

void StdoutWriter::flush() {
  if (m_buffer.empty()) return;
  std::string pending;
  pending.swap(m_buffer);
  m_buffer.reserve(m_limit);
  write_all(STDOUT_FILENO, pending);
}

void StdoutWriter::throw_if_reader_gone() const {
  if (reader_gone(STDOUT_FILENO)) throw StdoutClosed();
}

}  // namespace shop
