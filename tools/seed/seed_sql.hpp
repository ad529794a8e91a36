#pragma once
// The SQL shop-seed runs, as text: the same statements go to the server (live run) or to
// stdout (--dry-run), so `shop-seed --dry-run | mariadb` gives the same content.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.hpp"

namespace shop::seed {

// Multi-row INSERTs are cut at about this size: large enough that per-statement costs
// vanish, well below MariaDB's default max_allowed_packet (16 MiB).
inline constexpr size_t k_statement_bytes = size_t{1} << 20;

// The statements of sql/mysql/schema.sql (compiled in), without trailing ';'.
[[nodiscard]] std::vector<std::string> schema_statements();
// DROP TABLE IF EXISTS for the shop tables, children before parents.
[[nodiscard]] std::vector<std::string> drop_statements();

// Receives one INSERT statement (no trailing ';') and how many rows it carries; returns
// false to stop generating (e.g. on SIGINT).
using InsertSink = std::function<bool(std::string_view statement, uint64_t rows)>;

// Generates the INSERTs for all items, then all users. Returns false if `sink` stopped it.
bool generate_inserts(const CatalogConfig& config, const InsertSink& sink);

// "YYYY-MM-DD HH:MM:SS" for epoch seconds, UTC.
void append_datetime(std::string& out, int64_t epoch_seconds);

}  // namespace shop::seed
