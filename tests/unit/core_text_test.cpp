// core/text.cpp: a server's bytes as a terminal shows them.
#include "core/text.hpp"

#include <gtest/gtest.h>

namespace {

TEST(PrintableText, KeepsTextAndUtf8AsTheyAre) {
  EXPECT_EQ(shop::printable_text("plain"), "plain");
  EXPECT_EQ(shop::printable_text("caf\u00e9 \u20ac \U0001F600"), "caf\u00e9 \u20ac \U0001F600");
  EXPECT_EQ(shop::printable_text(""), "");
}

TEST(PrintableText, ControlCharactersCannotActOnTheTerminal) {
  // ESC would start an escape sequence (clear the screen, set the title): its picture instead.
  EXPECT_EQ(shop::printable_text("a\x1b[2Jb"), "a\u241b[2Jb");
  EXPECT_EQ(shop::printable_text(std::string_view("\0\x07\x7f", 3)), "\u2400\u2407\u2421");
  EXPECT_EQ(shop::printable_text("two\nlines\tand\rtab"), "two lines and tab");
}

TEST(PrintableText, BytesThatAreNotUtf8ShowAsReplacementCharacters) {
  EXPECT_EQ(shop::printable_text("caf\xe9"), "caf\ufffd");  // latin1 'é'
  EXPECT_EQ(shop::printable_text("\xc0\xaf\xe2\x82"), "\ufffd\ufffd\ufffd");
}

}  // namespace
