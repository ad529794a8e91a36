#include "pageview.hpp"

#include <charconv>
#include <cstring>
#include <numeric>

namespace shop::pageviews {
namespace {

std::vector<uint64_t> ids_up_to(uint64_t count) {
  std::vector<uint64_t> ids(count);
  std::iota(ids.begin(), ids.end(), uint64_t{1});
  return ids;
}

std::vector<double> channel_shares() {
  std::vector<double> shares;
  for (const auto& channel : k_channels) shares.push_back(channel.share);
  return shares;
}

char* append(char* out, std::string_view text) noexcept {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

template <typename Integer>
char* append_number(char* out, Integer value) noexcept {
  return std::to_chars(out, out + 20, value).ptr;
}

}  // namespace

PageviewGenerator::PageviewGenerator(uint64_t users, uint64_t items, double product_share, uint64_t stream_seed)
    : m_users(ids_up_to(users), {}),
      m_items(ids_up_to(items)),
      m_product_share(product_share),
      m_stream_seed(stream_seed),
      m_channels(channel_shares()) {}

Pageview PageviewGenerator::make(uint64_t index) const noexcept {
  Rng rng(derive_seed(m_stream_seed, index));
  Pageview view{};
  view.user_id = m_users.ids()[m_users.pick_visitor(rng)];
  view.product = rng.chance(m_product_share);
  // Popular items and active users' profiles are the pages people look at most.
  view.target_id = view.product ? m_items.ids()[m_items.pick_viewed(rng)] : m_users.ids()[m_users.pick_visitor(rng)];
  view.channel = static_cast<uint8_t>(m_channels.sample(rng));
  return view;
}

char* format_key(const Pageview& view, char* out) noexcept { return append_number(out, view.user_id); }

// Starts from a second other than received_at, so set_received_at() fills the tails (~x:
// unlike x + 1, it cannot overflow at INT64_MAX).
ValueFormatter::ValueFormatter(int64_t received_at) noexcept : m_received_at(~received_at), m_tails() {
  set_received_at(received_at);
}

void ValueFormatter::set_received_at(int64_t received_at) noexcept {
  if (received_at == m_received_at) return;
  m_received_at = received_at;
  for (size_t c = 0; c < k_channels.size(); ++c) {
    char* const begin = m_tails[c].text.data();
    char* out = append(begin, "\", \"channel\": \"");
    out = append(out, k_channels[c].name);
    out = append(out, "\", \"received_at\": ");
    out = append_number(out, received_at);
    out = append(out, "}");
    m_tails[c].size = static_cast<size_t>(out - begin);
  }
}

char* ValueFormatter::format(const Pageview& view, char* out) const noexcept {
  static constexpr std::string_view k_start = "{\"user_id\": ";
  static constexpr std::string_view k_product_url = ", \"url\": \"/products/";
  static constexpr std::string_view k_profile_url = ", \"url\": \"/profiles/";
  static_assert(k_product_url.size() == k_profile_url.size());
  // The longest value before the tail, then the tail's whole block: all within the room.
  static_assert(k_start.size() + 20 + k_product_url.size() + 20 + k_tail_bytes <= k_max_value_bytes);
  out = append(out, k_start);
  out = append_number(out, view.user_id);
  std::memcpy(out, (view.product ? k_product_url : k_profile_url).data(), k_product_url.size());
  out = append_number(out + k_product_url.size(), view.target_id);
  const Tail& tail = m_tails[view.channel];
  std::memcpy(out, tail.text.data(), k_tail_bytes);  // a fixed size copies faster than the exact one
  return out + tail.size;
}

char* format_value(const Pageview& view, int64_t received_at, char* out) noexcept {
  return ValueFormatter(received_at).format(view, out);
}

}  // namespace shop::pageviews
