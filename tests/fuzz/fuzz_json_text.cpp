// Fuzzes core/json_text.cpp, the one writer of every JSON the programs write from rows
// and messages (issue 23, item 11):
//   - append_json_string() of any bytes parses (simdjson, which checks UTF-8) as one JSON
//     string; it gives the input back exactly when the input is valid UTF-8, and
//     otherwise a valid UTF-8 text with a U+FFFD where the input was not;
//   - append_json_text() of any JSON text simdjson accepts (the server's checked json)
//     parses again, has no line break, and minifies to the same text as the input.
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json_text.hpp"

namespace {

[[noreturn]] void violated(const char* what, std::string_view input, std::string_view output) {
  std::fprintf(stderr, "fuzz_json_text: invariant violated: %s\ninput: %.*s\noutput: %.*s\n", what,
               static_cast<int>(input.size()), input.data(), static_cast<int>(output.size()), output.data());
  std::abort();
}

std::string minified(std::string_view json) {
  std::string out(json.size(), '\0');
  size_t length = 0;
  if (simdjson::minify(json.data(), json.size(), out.data(), length) != simdjson::SUCCESS) return "(not minified)";
  out.resize(length);
  return out;
}

void check_string(simdjson::dom::parser& parser, std::string_view input) {
  std::string json;
  shop::append_json_string(json, input);
  std::string_view decoded;
  if (parser.parse(json).get_string().get(decoded) != simdjson::SUCCESS) violated("a valid JSON string", input, json);
  if (simdjson::validate_utf8(input.data(), input.size())) {
    if (decoded != input) violated("valid UTF-8 comes back exactly", input, json);
  } else if (decoded.find("\xEF\xBF\xBD") == std::string_view::npos) {
    violated("ill-formed UTF-8 becomes U+FFFD", input, json);
  }
}

void check_text(simdjson::dom::parser& parser, std::string_view input) {
  simdjson::dom::element element;
  if (parser.parse(input.data(), input.size()).get(element) != simdjson::SUCCESS) return;  // not checked JSON
  std::string json;
  shop::append_json_text(json, input);
  if (json.find_first_of("\n\r") != std::string::npos) violated("one line", input, json);
  if (parser.parse(json).get(element) != simdjson::SUCCESS) violated("still valid JSON", input, json);
  if (minified(json) != minified(input)) violated("the same JSON, whitespace aside", input, json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static simdjson::dom::parser parser;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_string(parser, input);
  check_text(parser, input);
  return 0;
}
