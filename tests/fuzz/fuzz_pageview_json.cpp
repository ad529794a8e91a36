// Fuzzes tools/pageviews/pageview.cpp: format_value() and format_key() round trip
// through a JSON parser (simdjson).
//
// A Pageview and received_at come from the input's bytes: any user and target id (0 and
// the uint64 maximum often), both page kinds, every channel, any received_at (int64
// minimum and maximum often). The value must fit k_max_value_bytes, be exactly the
// original demo's shape and spacing, be valid JSON with exactly the four fields in order,
// and give every field back; the key must fit k_max_key_bytes and be the user id. The
// sender's ValueFormatter, moved between two seconds and back, writes the same values.
#include <fuzzer/FuzzedDataProvider.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "pageview.hpp"

namespace {

using shop::pageviews::Pageview;

[[noreturn]] void violated(const char* what, std::string_view json) {
  std::fprintf(stderr, "fuzz_pageview_json: invariant violated: %s\njson: %.*s\n", what, static_cast<int>(json.size()),
               json.data());
  std::abort();
}

// Any value, with the ends and small values often (the fuzzer rarely hits them by bytes).
template <typename Integer>
Integer pick(FuzzedDataProvider& data) {
  switch (data.ConsumeIntegralInRange(0, 5)) {
    case 0:
      return std::numeric_limits<Integer>::min();
    case 1:
      return std::numeric_limits<Integer>::max();
    case 2:
      return 0;
    case 3:
      if constexpr (std::numeric_limits<Integer>::is_signed) {
        return data.ConsumeIntegralInRange<Integer>(-1000, 1000);
      } else {
        return data.ConsumeIntegralInRange<Integer>(0, 1000);
      }
    default:
      return data.ConsumeIntegral<Integer>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider provider(data, size);
  Pageview view{};
  view.user_id = pick<uint64_t>(provider);
  view.product = provider.ConsumeBool();
  view.target_id = pick<uint64_t>(provider);
  // format_value() indexes k_channels: a channel outside it is the caller's bug.
  constexpr auto k_last_channel = static_cast<uint8_t>(shop::pageviews::k_channels.size() - 1);
  view.channel = provider.ConsumeIntegralInRange<uint8_t>(0, k_last_channel);
  const auto received_at = pick<int64_t>(provider);

  const auto other_second = pick<int64_t>(provider);

  // The promised room (a formatter may write scratch bytes past the value within it), with
  // guard bytes after it that must stay untouched.
  constexpr size_t k_guard = 16;
  char buffer[shop::pageviews::k_max_value_bytes + k_guard];
  std::memset(buffer, '#', sizeof buffer);
  const char* end = shop::pageviews::format_value(view, received_at, buffer);
  const auto length = static_cast<size_t>(end - buffer);
  const std::string_view json(buffer, length);
  if (length > shop::pageviews::k_max_value_bytes) violated("the value fits k_max_value_bytes", json);
  for (size_t i = shop::pageviews::k_max_value_bytes; i < sizeof buffer; ++i) {
    if (buffer[i] != '#') violated("nothing written past k_max_value_bytes", json);
  }

  const std::string channel(shop::pageviews::k_channels[view.channel].name);
  const std::string url = std::string(view.product ? "/products/" : "/profiles/") + std::to_string(view.target_id);
  const auto expected_for = [&](int64_t second) {
    return "{\"user_id\": " + std::to_string(view.user_id) + ", \"url\": \"" + url + "\", \"channel\": \"" + channel +
           "\", \"received_at\": " + std::to_string(second) + "}";
  };
  const std::string expected = expected_for(received_at);
  if (json != expected) violated("the original demo's shape and spacing", json);

  // The sender's formatter, kept across seconds: moved to another second and back, it
  // writes what format_value() writes for each.
  shop::pageviews::ValueFormatter formatter(received_at);
  for (const int64_t second : {received_at, other_second, other_second, received_at}) {
    formatter.set_received_at(second);
    char again[shop::pageviews::k_max_value_bytes];
    const std::string_view text(again, static_cast<size_t>(formatter.format(view, again) - again));
    if (text != expected_for(second)) violated("ValueFormatter after set_received_at()", text);
  }

  thread_local simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(simdjson::padded_string(json)).get(object) != simdjson::SUCCESS) violated("valid JSON object", json);
  static constexpr std::string_view k_fields[] = {"user_id", "url", "channel", "received_at"};
  size_t index = 0;
  for (const auto field : object) {
    if (index >= std::size(k_fields) || field.key != k_fields[index]) violated("the four fields, in order", json);
    ++index;
  }
  if (index != std::size(k_fields)) violated("the four fields, in order", json);

  uint64_t user_id = 0;
  std::string_view parsed_url;
  std::string_view parsed_channel;
  int64_t parsed_received_at = 0;
  if (object["user_id"].get(user_id) != simdjson::SUCCESS || user_id != view.user_id) violated("user_id back", json);
  if (object["url"].get(parsed_url) != simdjson::SUCCESS || parsed_url != url) violated("url back", json);
  if (object["channel"].get(parsed_channel) != simdjson::SUCCESS || parsed_channel != channel) {
    violated("channel back", json);
  }
  if (object["received_at"].get(parsed_received_at) != simdjson::SUCCESS || parsed_received_at != received_at) {
    violated("received_at back", json);
  }
  // The url's id as a number, as a consumer reads it.
  const std::string_view id_text = parsed_url.substr(parsed_url.rfind('/') + 1);
  if (id_text != std::to_string(view.target_id)) violated("target id back from the url", json);

  char key[shop::pageviews::k_max_key_bytes + k_guard];
  std::memset(key, '#', sizeof key);
  const char* key_end = shop::pageviews::format_key(view, key);
  const std::string_view key_text(key, static_cast<size_t>(key_end - key));
  if (key_text.size() > shop::pageviews::k_max_key_bytes) violated("the key fits k_max_key_bytes", key_text);
  if (key_text != std::to_string(view.user_id)) violated("the key is the user id", key_text);
  for (size_t i = key_text.size(); i < sizeof key; ++i) {
    if (key[i] != '#') violated("nothing written past the key", key_text);
  }
  return 0;
}
