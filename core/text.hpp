#pragma once
// Text from a server, as it is shown: UTF-8 checked, control characters made visible.
#include <cstddef>
#include <string>
#include <string_view>

namespace shop {

// The length of the UTF-8 sequence that starts at text[i] (a byte >= 0x80) when it is
// well-formed (RFC 3629 section 4: no overlong form, no surrogate, nothing past
// U+10FFFF), else, negated, the length of its maximal ill-formed subpart (Unicode 15,
// section 3.9, U+FFFD substitution): the bytes one U+FFFD replaces.
[[nodiscard]] int utf8_sequence(std::string_view text, size_t i) noexcept;

// `text` for a terminal cell: each ill-formed UTF-8 sequence becomes U+FFFD, a line
// break or tab a space, and any other control character its Control Pictures sign
// (U+2400 + code, U+2421 for DEL: ESC shows as one column "␛", never acts on the
// terminal), so one character of the result is one column (wide East Asian characters
// aside).
[[nodiscard]] std::string printable_text(std::string_view text);

}  // namespace shop
