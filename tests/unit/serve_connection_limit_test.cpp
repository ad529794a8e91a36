#include "connection_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace shop::serve {
namespace {

TEST(ConnectionLimit, RoomForEverythingButClients) {
  // 16 for the process, 4 per view, the overflow connections.
  EXPECT_EQ(default_max_connections(256, 1), 256u - 16 - 4 - k_overflow_connections);
  EXPECT_EQ(default_max_connections(1024, 6), 1024u - 16 - 24 - k_overflow_connections);
  EXPECT_EQ(default_max_connections(20, 6), 1u);  // never 0
}

TEST(ConnectionLimit, SoftLimitRaisedToTheHardOne) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  const rlimit before = limit;
  if (limit.rlim_max > 64) {
    limit.rlim_cur = 64;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  const size_t raised = raise_open_files_limit();
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, limit.rlim_max);
  if (limit.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(raised, limit.rlim_max);
  }
  setrlimit(RLIMIT_NOFILE, &before);
}

}  // namespace
}  // namespace shop::serve
