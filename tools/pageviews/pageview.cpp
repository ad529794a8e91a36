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

char* format_value(const Pageview& view, int64_t received_at, char* out) noexcept {
  out = append(out, "{\"user_id\": ");
  out = append_number(out, view.user_id);
  out = append(out, view.product ? ", \"url\": \"/products/" : ", \"url\": \"/profiles/");
  out = append_number(out, view.target_id);
  out = append(out, "\", \"channel\": \"");
  out = append(out, k_channels[view.channel].name);
  out = append(out, "\", \"received_at\": ");
  out = append_number(out, received_at);
  return append(out, "}");
}

}  // namespace shop::pageviews
