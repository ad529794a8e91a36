#include "core/status_line.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

TEST(ClipToColumns, ALineThatFitsIsUnchanged) {
  EXPECT_EQ(clip_to_columns("1,000 views/s, sent 5,000", 80), "1,000 views/s, sent 5,000");
  EXPECT_EQ(clip_to_columns("exactly ten", 11), "exactly ten");
  EXPECT_EQ(clip_to_columns("", 0), "");
}

TEST(ClipToColumns, ALongerLineEndsInAnEllipsisWithinTheWidth) {
  EXPECT_EQ(clip_to_columns("1,000 views/s, sent 5,000", 10), "1,000 vie\u2026");
  EXPECT_EQ(clip_to_columns("ab", 1), "\u2026");
  EXPECT_EQ(clip_to_columns("ab", 0), "");
}

TEST(ClipToColumns, CountsCharactersNotBytesAndNeverSplitsOne) {
  // "é" is two bytes, one column.
  EXPECT_EQ(clip_to_columns("caf\u00e9 ok", 8), "caf\u00e9 ok");
  EXPECT_EQ(clip_to_columns("caf\u00e9 latte", 5), "caf\u00e9\u2026");
  EXPECT_EQ(clip_to_columns("\u00e9\u00e9\u00e9", 2), "\u00e9\u2026");
}

}  // namespace
}  // namespace shop
