#include "event_stream.hpp"

#include <gtest/gtest.h>

namespace shop::serve {
namespace {

TEST(EventStream, EventHasIdTypeAndData) {
  std::string out;
  append_event(out, "changes", "g-7", R"({"a": 1})");
  EXPECT_EQ(out, "id: g-7\nevent: changes\ndata: {\"a\": 1}\n\n");
}

TEST(EventStream, WithoutIdOrTypeThoseFieldsAreLeftOut) {
  std::string out;
  append_event(out, "", "", "x");
  EXPECT_EQ(out, "data: x\n\n");
}

TEST(EventStream, EveryKindOfLineBreakStartsAnotherDataLine) {
  // A line break inside data must never end the event early (the standard's "end of
  // line" is CRLF, LF or CR); the browser joins the lines with LF.
  std::string out;
  append_event(out, "", "", "a\nb\r\nc\rd");
  EXPECT_EQ(out, "data: a\ndata: b\ndata: c\ndata: d\n\n");
  out.clear();
  append_event(out, "", "", "end\n");
  EXPECT_EQ(out, "data: end\ndata: \n\n");
}

TEST(EventStream, CommentIsOneLine) {
  std::string out;
  append_comment(out, "heart\nbeat");
  EXPECT_EQ(out, ": heart beat\n\n");
}

TEST(EventStream, EventIdsRoundTripForTheirGenerationOnly) {
  EXPECT_EQ(format_event_id("abc", 42), "abc-42");
  EXPECT_EQ(parse_event_id("abc-42", "abc"), 42U);
  EXPECT_EQ(parse_event_id("abc-0", "abc"), 0U);
  EXPECT_EQ(parse_event_id("abd-42", "abc"), std::nullopt);
  EXPECT_EQ(parse_event_id("abc42", "abc"), std::nullopt);
  EXPECT_EQ(parse_event_id("abc-", "abc"), std::nullopt);
  EXPECT_EQ(parse_event_id("abc-4x", "abc"), std::nullopt);
  EXPECT_EQ(parse_event_id("abc--4", "abc"), std::nullopt);
  EXPECT_EQ(parse_event_id("abc-99999999999999999999999", "abc"), std::nullopt);
  EXPECT_EQ(parse_event_id("", "abc"), std::nullopt);
}

}  // namespace
}  // namespace shop::serve
