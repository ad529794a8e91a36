#pragma once
// How many clients shop-serve serves at once, from the open files limit: each client is a
// descriptor, and a server out of descriptors can answer no one, not even /healthz.
// So --max-connections stays below the limit: past it a client gets a quick 503 and the
// connection is closed (http_server.hpp), while the descriptors kept back serve the
// database connections, files, the listener, and those short answers.
#include <cstddef>

namespace shop::serve {

// Connections accepted past --max-connections only to be answered: /healthz and
// /metrics as usual, anything else 503. Past these the listener waits (the kernel's
// backlog holds new clients) until one closes; each closes within a second or two.
inline constexpr size_t k_overflow_connections = 16;

// Raises this process's soft RLIMIT_NOFILE to its hard limit, quietly (a warning when
// that fails); returns the soft limit then.
size_t raise_open_files_limit();

// The default --max-connections for an open files limit and a number of views: the
// limit less the overflow connections and room for everything else (at least 1).
[[nodiscard]] size_t default_max_connections(size_t open_files, size_t views) noexcept;

}  // namespace shop::serve
