#include "catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace shop::seed {
namespace {

// Names for e-mail addresses. Domains are reserved for examples (RFC 2606), so no real
// person's address is ever generated.
constexpr std::array<std::string_view, 64> k_first_names = {
    "james",  "mary",   "robert", "patricia", "john",    "jennifer", "michael", "linda",   "david",  "elizabeth",
    "william", "barbara", "richard", "susan",  "joseph",  "jessica",  "thomas",  "sarah",   "carlos", "karen",
    "daniel", "lisa",   "matthew", "nancy",   "anthony", "betty",    "mark",    "sandra",  "donald", "ashley",
    "steven", "emily",  "paul",   "donna",    "andrew",  "michelle", "joshua",  "carol",   "kenji",  "amanda",
    "wei",    "melissa", "ahmed", "deborah",  "luis",    "stephanie", "omar",   "rebecca", "ivan",   "sharon",
    "priya",  "laura",  "diego",  "cynthia",  "yusuf",   "kathleen", "noah",    "amy",     "liam",   "angela",
    "mateo",  "shirley", "hana",  "anna"};
constexpr std::array<std::string_view, 48> k_last_names = {
    "smith",  "johnson", "williams", "brown",   "jones",   "garcia",  "miller",  "davis",   "rodriguez", "martinez",
    "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor",  "moore",   "jackson",   "martin",
    "lee",    "perez",   "thompson", "white",   "harris",  "sanchez", "clark",   "ramirez", "lewis",     "robinson",
    "walker", "young",   "allen",    "king",    "wright",  "scott",   "torres",  "nguyen",  "hill",      "flores",
    "green",  "adams",   "nelson",   "baker",   "hall",    "rivera",  "campbell", "mitchell"};
constexpr std::array<std::string_view, 6> k_email_domains = {"example.com", "example.net", "example.org",
                                                             "mail.example", "inbox.example", "post.example"};

// Words for product names: "<adjective> <material> <noun>".
constexpr std::array<std::string_view, 48> k_adjectives = {
    "Ergonomic", "Rustic",  "Sleek",   "Compact",  "Deluxe",   "Classic",  "Modern",  "Vintage",
    "Portable",  "Smart",   "Heavy-Duty", "Lightweight", "Premium", "Handmade", "Practical", "Elegant",
    "Durable",   "Mini",    "Ultra",   "Pro",      "Foldable", "Wireless", "Solar",   "Magnetic",
    "Adjustable", "Rugged", "Tiny",    "Giant",    "Retro",    "Quantum",  "Turbo",   "Silent",
    "Glowing",   "Stackable", "Modular", "Reusable", "Waterproof", "Artisan", "Nordic", "Urban",
    "Cozy",      "Bold",    "Minimal", "Royal",    "Lucky",    "Swift",    "Gentle",  "Clever"};
constexpr std::array<std::string_view, 24> k_materials = {
    "Steel",  "Bamboo", "Copper",  "Oak",     "Granite", "Leather", "Cotton", "Ceramic",
    "Glass",  "Titanium", "Walnut", "Wool",   "Brass",   "Carbon",  "Marble", "Linen",
    "Silicone", "Aluminum", "Cork", "Pine",   "Rubber",  "Silk",    "Concrete", "Plastic"};
constexpr std::array<std::string_view, 16> k_widget_nouns = {
    "Widget", "Sprocket", "Bracket", "Flange",  "Hinge",  "Gear",   "Clamp",  "Valve",
    "Spindle", "Coupler", "Fastener", "Bolt Set", "Pulley", "Lever", "Gasket", "Bearing"};
constexpr std::array<std::string_view, 16> k_gadget_nouns = {
    "Gadget", "Charger", "Speaker", "Lamp",    "Clock",    "Thermometer", "Tracker", "Remote",
    "Headset", "Camera", "Scale",   "Fan",     "Projector", "Timer",      "Hub",     "Sensor"};
constexpr std::array<std::string_view, 16> k_doodad_nouns = {
    "Doodad", "Figurine", "Keychain", "Coaster", "Paperweight", "Ornament", "Magnet", "Bookend",
    "Trinket", "Whistle", "Spinner",  "Charm",   "Puzzle",      "Bauble",   "Mug",    "Pin"};
constexpr std::array<std::string_view, 16> k_clearance_nouns = {
    "Organizer", "Tote",   "Kit",     "Set",     "Bundle", "Tray",   "Basket", "Caddy",
    "Holder",    "Stand",  "Rack",    "Pouch",   "Box",    "Bin",    "Case",   "Sampler"};
constexpr std::array<const std::array<std::string_view, 16>*, 4> k_nouns_by_category = {
    &k_widget_nouns, &k_gadget_nouns, &k_doodad_nouns, &k_clearance_nouns};
static_assert(std::size(k_categories) == k_nouns_by_category.size());
constexpr size_t k_names_per_category = k_adjectives.size() * k_materials.size() * k_widget_nouns.size();

constexpr int64_t k_user_span_seconds = 3LL * 365 * 86'400;  // users signed up over three years
constexpr int64_t k_item_span_seconds = 4LL * 365 * 86'400;  // items were listed over four

template <typename Array>
std::string_view pick(Rng& rng, const Array& words) {
  return words[static_cast<size_t>(rng.below(words.size()))];
}

// Creation times rise with the id (ids are assigned in signup order), with jitter inside
// each id's slot so the gaps look natural.
int64_t created_at(Rng& rng, uint64_t id, uint64_t count, int64_t span) {
  const auto slot = static_cast<uint64_t>(span) / count;
  const auto offset = static_cast<uint64_t>((static_cast<uint128>(id - 1) * static_cast<uint64_t>(span)) / count);
  return k_reference_epoch_seconds - span + static_cast<int64_t>(offset + (slot > 0 ? rng.below(slot) : 0));
}

// Prices 5.00..500.00, skewed toward cheap items (u^3: median about 67.00), ending in
// the usual .99/.95/.49/.00.
uint32_t price_cents(Rng& rng) {
  const double u = rng.unit();
  const auto dollars = static_cast<uint32_t>(5.0 + 495.0 * u * u * u);  // 5..499
  constexpr std::array<uint32_t, 6> endings = {99, 99, 99, 95, 49, 0};
  const uint32_t cents = endings[static_cast<size_t>(rng.below(endings.size()))];
  return dollars * 100 + cents;  // at most 499.99
}

}  // namespace

UserGenerator::UserGenerator(const CatalogConfig& config)
    : m_rng(derive_seed(config.seed, 1)), m_count(config.users) {}

void UserGenerator::next(UserRow& row) {
  row.id = m_next_id++;
  const auto first = pick(m_rng, k_first_names);
  const auto last = pick(m_rng, k_last_names);
  const auto domain = pick(m_rng, k_email_domains);
  row.email.clear();
  // The id makes every address unique; the styles vary as real addresses do.
  switch (m_rng.below(4)) {
    case 0: fmt::format_to(std::back_inserter(row.email), "{}.{}{}@{}", first, last, row.id, domain); break;
    case 1: fmt::format_to(std::back_inserter(row.email), "{}{}{}@{}", first, last, row.id, domain); break;
    case 2: fmt::format_to(std::back_inserter(row.email), "{}.{}{}@{}", first.front(), last, row.id, domain); break;
    default: fmt::format_to(std::back_inserter(row.email), "{}_{}@{}", first, row.id, domain); break;
  }
  row.is_vip = m_rng.chance(k_vip_share);
  row.created_at = created_at(m_rng, row.id, m_count, k_user_span_seconds);
}

ItemGenerator::ItemGenerator(const CatalogConfig& config)
    : m_rng(derive_seed(config.seed, 2)),
      m_count(config.items),
      m_inventory_min(config.inventory_min),
      m_inventory_max(config.inventory_max) {
  // Only word-combination names are kept, so memory stays bounded for any --items.
  m_names.reserve(static_cast<size_t>(std::min<uint64_t>(config.items, std::size(k_categories) * k_names_per_category)));
}

std::string ItemGenerator::unique_name(size_t category, uint64_t id) {
  const auto& nouns = *k_nouns_by_category[category];
  std::string name;
  // 18,432 word combinations per category: a few random tries almost always find a free
  // one in a catalog of thousands. Past that, the item id as a model number makes the name
  // unique by construction (plain names hold no digits), in constant time. Once half a
  // category's combinations are taken, one try is enough: more would mostly miss.
  const int attempts = m_names_taken[category] < k_names_per_category / 2 ? 8 : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    name = fmt::format("{} {} {}", pick(m_rng, k_adjectives), pick(m_rng, k_materials), pick(m_rng, nouns));
    if (m_names.insert(name).second) {
      ++m_names_taken[category];
      return name;
    }
  }
  return fmt::format("{} {}", name, id);
}

void ItemGenerator::next(ItemRow& row) {
  row.id = m_next_id++;
  const auto category = static_cast<size_t>(m_rng.below(std::size(k_categories)));
  row.category = k_categories[category];
  row.name = unique_name(category, row.id);
  row.price_cents = price_cents(m_rng);
  row.inventory = static_cast<int32_t>(m_rng.between(m_inventory_min, m_inventory_max));
  row.created_at = created_at(m_rng, row.id, m_count, k_item_span_seconds);
}

}  // namespace shop::seed
