#include "connection_limit.hpp"

#include <fmt/format.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "core/diagnostics.hpp"

namespace shop::serve {

size_t raise_open_files_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    print_warning(fmt::format("cannot read the open files limit ({})", std::strerror(errno)));
    return 1024;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    const rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      print_warning(fmt::format("cannot raise the open files limit from {} to {} ({})", before, limit.rlim_max,
                                std::strerror(errno)));
      limit.rlim_cur = before;
    }
  }
  constexpr rlim_t k_plenty = rlim_t{1} << 20;  // RLIM_INFINITY, where there is one
  return static_cast<size_t>(limit.rlim_cur < k_plenty ? limit.rlim_cur : k_plenty);
}

size_t default_max_connections(size_t open_files, size_t views) noexcept {
  // stdin, stdout, stderr, the listener, the event loop's own (epoll, eventfd, timerfd),
  // files read now and then (assets, /proc by the sanitizers): 16; per view its
  // database connection and what a reconnect opens meanwhile (a new socket, name
  // resolution's files): 4.
  const size_t reserved = 16 + 4 * views + k_overflow_connections;
  return open_files > reserved ? open_files - reserved : 1;
}

}  // namespace shop::serve
