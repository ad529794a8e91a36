// Fuzzes tools/serve/event_stream.cpp's event ids, what a client sends back as
// Last-Event-ID (any bytes: it is a request header):
//   - parse_event_id() of any text does not crash; what it accepts names each view once,
//     none empty, and formats back to an id that parses to the same position;
//   - an id formatted from positions built from the input (view names of identifier
//     characters, any sequence) parses back to exactly those positions, and is refused
//     under another generation.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "event_stream.hpp"

namespace {

constexpr std::string_view k_generation = "5f3a9c2b7d4e";

[[noreturn]] void violated(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_event_id: invariant violated: %s\ninput: %.*s\n", what, static_cast<int>(input.size()),
               input.data());
  std::abort();
}

void check_any_header(std::string_view header) {
  const auto position = shop::serve::parse_event_id(header, k_generation);
  if (!position || position->views.empty()) return;
  std::set<std::string> names;
  for (const auto& view : position->views) {
    if (view.view.empty()) violated("no empty view name", header);
    if (!names.insert(view.view).second) violated("each view once", header);
  }
  const std::string again = shop::serve::format_event_id(k_generation, position->views);
  const auto reparsed = shop::serve::parse_event_id(again, k_generation);
  if (!reparsed || reparsed->views != position->views) violated("formats back to the same position", header);
}

void check_round_trip(FuzzedDataProvider& data) {
  std::vector<shop::serve::ViewPosition> views;
  std::set<std::string> names;
  const size_t count = data.ConsumeIntegralInRange<size_t>(1, 8);
  for (size_t i = 0; i < count; ++i) {
    std::string name;
    for (const char c : data.ConsumeRandomLengthString(12)) {
      static constexpr std::string_view k_identifier = "abcdefghijklmnopqrstuvwxyz0123456789_";
      name += k_identifier[static_cast<unsigned char>(c) % k_identifier.size()];
    }
    if (name.empty() || !names.insert(name).second) continue;
    views.push_back({name, data.ConsumeIntegral<uint64_t>()});
  }
  if (views.empty()) return;
  const std::string id = shop::serve::format_event_id(k_generation, views);
  const auto parsed = shop::serve::parse_event_id(id, k_generation);
  if (!parsed || parsed->views != views || parsed->unnamed) violated("an id parses back to its positions", id);
  if (shop::serve::parse_event_id(id, "0123456789ab")) violated("another process's id is refused", id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_any_header(std::string_view(reinterpret_cast<const char*>(data), size));
  FuzzedDataProvider provider(data, size);
  check_round_trip(provider);
  return 0;
}
