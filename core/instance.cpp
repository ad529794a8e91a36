#include "core/instance.hpp"

#include <charconv>

#include "core/error.hpp"
#include "core/random.hpp"

namespace shop {

uint64_t Instance::stream_seed(uint64_t seed) const noexcept {
  return count == 1 ? seed : derive_seed(seed, index);
}

std::string Instance::to_string() const { return std::to_string(index) + "/" + std::to_string(count); }

Instance parse_instance(std::string_view text) {
  const auto fail = [&](std::string_view why) {
    return UsageError("--instance: " + std::string(why) + " in '" + std::string(text) +
                      "' (expected K/N with 1 <= K <= N, e.g. 2/4)");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) throw fail("missing '/'");
  const auto parse = [&](std::string_view part, uint32_t& out) {
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), out);
    if (part.empty() || error != std::errc{} || end != part.data() + part.size()) throw fail("not a number");
  };
  Instance instance;
  parse(text.substr(0, slash), instance.index);
  parse(text.substr(slash + 1), instance.count);
  if (instance.count == 0) throw fail("N must be at least 1");
  if (instance.index == 0 || instance.index > instance.count) throw fail("K must be between 1 and N");
  return instance;
}

}  // namespace shop
