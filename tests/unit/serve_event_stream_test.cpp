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

TEST(EventStream, AnEventIdListsEachViewWithItsSequence) {
  EXPECT_EQ(format_event_id("abc", {{"top_items", 154}, {"inventory_status", 160}}),
            "abc-top_items:154,inventory_status:160");
  EXPECT_EQ(format_event_id("abc", {{"public.v$1", 0}}), "abc-public.v$1:0");
  EXPECT_EQ(format_event_id("abc", {}), "abc-");  // holds nothing: never sent, as no event leaves it so
}

TEST(EventStream, EventIdsRoundTripForTheirGenerationOnly) {
  const std::vector<ViewPosition> views = {{"top_items", 154}, {"schema.inventory_status", 18446744073709551615U}};
  const auto parsed = parse_event_id(format_event_id("abc", views), "abc");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->views, views);
  EXPECT_FALSE(parsed->unnamed);
  EXPECT_EQ(parse_event_id(format_event_id("abc", views), "abd"), std::nullopt);
  EXPECT_EQ(parse_event_id("abc-a:1", "ab"), std::nullopt);
}

TEST(EventStream, AMalformedEventIdIsNoId) {
  for (const char* id : {"", "abc", "abc-", "abc42", "abc--4", "abc-a:", "abc-:5", "abc-a:5,", "abc-,a:5", "abc-a:5,,b:6",
                         "abc-a:5x", "abc-a:-5", "abc-a:+5", "abc-a: 5", "abc-a:5,a:6", "abc-a:99999999999999999999999",
                         "abc-4x", "abc-99999999999999999999999", "abc-a"}) {
    EXPECT_EQ(parse_event_id(id, "abc"), std::nullopt) << id;
  }
}

TEST(EventStream, TheFormerSingleViewIdIsThatViewsOnAStreamOfOne) {
  const auto parsed = parse_event_id("abc-42", "abc");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->unnamed, 42U);
  EXPECT_EQ(parsed->of("anything", 1), 42U);
  EXPECT_EQ(parsed->of("anything", 2), std::nullopt);
  EXPECT_EQ(parse_event_id("abc-0", "abc")->unnamed, 0U);
}

TEST(EventStream, APositionIsLookedUpByViewName) {
  const auto parsed = parse_event_id("abc-a:3,b.c:4", "abc");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->of("a", 2), 3U);
  EXPECT_EQ(parsed->of("b.c", 2), 4U);
  EXPECT_EQ(parsed->of("b", 2), std::nullopt);
  EXPECT_EQ(parsed->of("a", 1), 3U);  // an id from a stream of several, on a stream of one
}

TEST(EventStream, EventWithIdPutsTheIdFirst) {
  std::string event;
  append_event(event, "changes", "", "x");
  EXPECT_EQ(event_with_id("g-a:1", event), "id: g-a:1\nevent: changes\ndata: x\n\n");
}

}  // namespace
}  // namespace shop::serve
