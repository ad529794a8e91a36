#pragma once
// JSON text out of bytes a database or a user gave: always valid UTF-8 JSON (RFC 8259
// section 8.1), on one line, whatever the bytes. Every JSON the programs write (jsonl
// changes, shop-serve's API and events, summaries, interval reports) goes through these.
#include <string>
#include <string_view>

namespace shop {

// Appends `text` as a JSON string literal (quotes included) to `out`: control characters
// escaped, each ill-formed UTF-8 sequence replaced with \ufffd (its maximal ill-formed
// subpart, Unicode 15 section 3.9), so nothing is dropped silently and nothing invalid
// goes out.
void append_json_string(std::string& out, std::string_view text);

// Appends `json`, a JSON text the server already checked (a json or jsonb column), as
// one line of valid UTF-8: its line breaks and tabs, which the JSON grammar allows only
// as whitespace between tokens, become spaces (a jsonl line or an SSE data line stays
// one line), and ill-formed UTF-8 (PostgreSQL checks no encoding in a SQL_ASCII
// database) becomes \ufffd.
void append_json_text(std::string& out, std::string_view json);

}  // namespace shop
