#include "send_queue.hpp"

#include <gtest/gtest.h>

namespace shop::serve {
namespace {

SharedText text(size_t size) { return std::make_shared<const std::string>(size, 'x'); }

TEST(SendQueue, TakesUpToTheLimitThenRefuses) {
  SendQueue queue(100);
  EXPECT_TRUE(queue.push(text(60)));
  EXPECT_TRUE(queue.push(text(40)));
  EXPECT_FALSE(queue.push(text(1)));  // 101 bytes behind: too slow
  EXPECT_EQ(queue.counted_bytes(), 100U);
}

TEST(SendQueue, TheLimitIsOnWhatWaitsBehindTheWriteInFlight) {
  SendQueue queue(100);
  ASSERT_TRUE(queue.push(text(80)));
  EXPECT_EQ(queue.start_write().size(), 1U);
  EXPECT_TRUE(queue.writing());
  EXPECT_EQ(queue.counted_bytes(), 0U);
  EXPECT_TRUE(queue.push(text(60)));  // the 80 in flight do not count
  EXPECT_TRUE(queue.push(text(40)));
  EXPECT_FALSE(queue.push(text(1)));  // 101 waiting: too slow
  EXPECT_TRUE(queue.start_write().empty());  // one write at a time
  queue.written();
  EXPECT_FALSE(queue.idle());
  EXPECT_EQ(queue.start_write().size(), 2U);
}

TEST(SendQueue, OneTextOverTheLimitPassesWhenNothingElseWaits) {
  SendQueue queue(100);
  EXPECT_TRUE(queue.push(text(500)));
  EXPECT_FALSE(queue.push(text(1)));
}

TEST(SendQueue, WhatAClientStartsWithDoesNotCount) {
  SendQueue queue(100);
  EXPECT_TRUE(queue.push(text(50), true));    // the header
  EXPECT_TRUE(queue.push(text(5000), true));  // a large snapshot
  EXPECT_EQ(queue.counted_bytes(), 0U);
  EXPECT_TRUE(queue.push(text(100)));  // then the limit applies to what follows
  EXPECT_FALSE(queue.push(text(1)));
  EXPECT_EQ(queue.start_write().size(), 3U);
  EXPECT_EQ(queue.counted_bytes(), 0U);
}

TEST(SendQueue, OneWriteAtATimeWithEverythingThatWaited) {
  SendQueue queue(1000);
  ASSERT_TRUE(queue.push(text(1)));
  ASSERT_TRUE(queue.push(text(2)));
  EXPECT_EQ(queue.start_write().size(), 2U);
  ASSERT_TRUE(queue.push(text(3)));
  EXPECT_TRUE(queue.start_write().empty());  // still writing
  queue.written();
  const auto& next = queue.start_write();
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0]->size(), 3U);
}

}  // namespace
}  // namespace shop::serve
