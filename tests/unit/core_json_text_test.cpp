// core/json_text.cpp: JSON out of whatever bytes a server or a user gives.
#include "core/json_text.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

namespace {

// True when `json` is one JSON text of valid UTF-8 (simdjson validates both).
bool valid_json(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  return parser.parse(json).get(element) == simdjson::SUCCESS;
}

TEST(JsonText, StringsAreAlwaysValidUtf8) {
  const auto json = [](std::string_view text) {
    std::string out;
    shop::append_json_string(out, text);
    return out;
  };
  // Well-formed sequences of every length pass as they are (U+2028 included: valid JSON).
  EXPECT_EQ(json("a\u00e9\u20ac\U0001F600\u2028z"), "\"a\u00e9\u20ac\U0001F600\u2028z\"");
  EXPECT_EQ(json(""), "\"\"");
  EXPECT_EQ(json(std::string_view("\0x\x1f\x7f", 4)), "\"\\u0000x\\u001f\x7f\"");
  // Each maximal ill-formed subpart becomes one \ufffd (Unicode section 3.9).
  EXPECT_EQ(json("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(json("a\xc3(b"), "\"a\\ufffd(b\"");                       // a lead byte without its continuation
  EXPECT_EQ(json("\xc0\xaf"), "\"\\ufffd\\ufffd\"");                  // overlong '/'
  EXPECT_EQ(json("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"");        // overlong, three bytes
  EXPECT_EQ(json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");        // a surrogate (U+D800)
  EXPECT_EQ(json("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); // past U+10FFFF
  EXPECT_EQ(json("\xe2\x82"), "\"\\ufffd\"");                          // cut short at the end
  EXPECT_EQ(json("\xf0\x9f\x98x"), "\"\\ufffdx\"");                    // cut short before ASCII
  EXPECT_EQ(json("\x80\xbf"), "\"\\ufffd\\ufffd\"");                  // lone continuation bytes
  EXPECT_EQ(json("\"\\\xfe"), "\"\\\"\\\\\\ufffd\"");
}

TEST(JsonText, CheckedJsonStaysOneLineOfValidUtf8) {
  const auto text = [](std::string_view json) {
    std::string out;
    shop::append_json_text(out, json);
    return out;
  };
  EXPECT_EQ(text(R"({"a": [1, "\u00e9"]})"), R"({"a": [1, "\u00e9"]})");
  EXPECT_EQ(text("{\"caf\u00e9\": \"\U0001F600\"}"), "{\"caf\u00e9\": \"\U0001F600\"}");  // UTF-8 as it is
  // PostgreSQL's json type keeps the input's own whitespace, line breaks included: a
  // jsonl line or an SSE data line must stay one line.
  EXPECT_EQ(text("{\n\t\"a\": 1\r\n}"), "{  \"a\": 1  }");
  // In a SQL_ASCII database the server checks no encoding: bytes of another encoding
  // inside a string become \ufffd, one per maximal ill-formed subpart.
  EXPECT_EQ(text("[\"caf\xe9\", \"\xff\xfe\", \"\xe2\x82\"]"), R"(["caf\ufffd", "\ufffd\ufffd", "\ufffd"])");
  for (const std::string_view bad : {"[\"\xc0\xaf\"]", "{\"k\xed\xa0\x80\": 1}", "\"\xf4\x90\x80\x80\"", "\n[\"\x80\"]\n"}) {
    const std::string out = text(bad);
    EXPECT_TRUE(valid_json(out)) << out;
    EXPECT_EQ(out.find_first_of("\n\r"), std::string::npos) << out;
  }
}

TEST(JsonText, StringsOfAnyBytesParseBack) {
  // Every single byte, and every pair of bytes, as a string: valid JSON each time.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char bytes[] = {static_cast<char>(a), static_cast<char>(b)};
      std::string out;
      shop::append_json_string(out, std::string_view(bytes, 2));
      ASSERT_TRUE(valid_json(out)) << a << " " << b << ": " << out;
    }
  }
}

}  // namespace
