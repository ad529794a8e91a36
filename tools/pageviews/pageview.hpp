#pragma once
// One page view, generated from the shared model: the same (seed, index) always gives the
// same event. Formatting writes the original demo's exact JSON shape and spacing.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/generation_model.hpp"

namespace shop::pageviews {

// The channels of the original demo, with the share of traffic each brings.
struct Channel {
  std::string_view name;
  double share;
};
inline constexpr std::array<Channel, 5> k_channels = {{
    {"organic search", 0.35},
    {"paid search", 0.20},
    {"social", 0.25},
    {"referral", 0.10},
    {"display", 0.10},
}};

struct Pageview {
  uint64_t user_id;
  bool product;        // "/products/<target_id>"; false: "/profiles/<target_id>" (a user)
  uint64_t target_id;  // item id or user id
  uint8_t channel;     // index into k_channels
};

class PageviewGenerator {
 public:
  // Users 1..users and items 1..items, as shop-seed creates them. `product_share` in
  // [0, 1] is the share of views that are product pages.
  PageviewGenerator(uint64_t users, uint64_t items, double product_share, uint64_t stream_seed);
  [[nodiscard]] Pageview make(uint64_t index) const noexcept;

 private:
  UserModel m_users;
  ItemModel m_items;
  double m_product_share;
  uint64_t m_stream_seed;
  AliasTable m_channels;
};

// Room format_key() and a value formatter need (ids and time up to 20 digits; a value
// formatter copies fixed-size blocks, so it writes past the value's end, within this).
inline constexpr size_t k_max_key_bytes = 20;
inline constexpr size_t k_max_value_bytes = 160;

// The message key: the user id as decimal text. Returns the end of what was written.
char* format_key(const Pageview& view, char* out) noexcept;

// Writes message values, e.g.
// {"user_id": 3290, "url": "/products/257", "channel": "social", "received_at": 1634651213}
// for one received_at second at a time. Everything after the target id depends only on
// the channel and the second, so it is prepared once per second for each channel; a view
// then costs two integer conversions and three fixed-size copies (about a third of the
// instructions of formatting it piece by piece: bench/pageviews.sh's callgrind figures).
class ValueFormatter {
 public:
  explicit ValueFormatter(int64_t received_at = 0) noexcept;
  // Prepares the tails for another second (nothing to do when it is the same).
  void set_received_at(int64_t received_at) noexcept;
  // Writes the value into `out`, which has k_max_value_bytes of room; returns its end.
  char* format(const Pageview& view, char* out) const noexcept;

 private:
  static constexpr size_t k_tail_bytes = 80;  // `", "channel": "organic search", "received_at": <20 digits>}` fits
  struct Tail {
    std::array<char, k_tail_bytes> text;
    size_t size;
  };
  int64_t m_received_at;
  std::array<Tail, k_channels.size()> m_tails;
};

// One value on its own (tests; the sender keeps a ValueFormatter per second instead).
char* format_value(const Pageview& view, int64_t received_at, char* out) noexcept;

}  // namespace shop::pageviews
