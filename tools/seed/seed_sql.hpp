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

// Multi-row INSERTs are cut at about this size: per-statement costs vanish already, and
// the server parses smaller statements faster (measured: 256 KiB beats 1 and 4 MiB).
inline constexpr size_t k_statement_bytes = size_t{1} << 18;

// The statements of sql/mysql/schema.sql (compiled in), without trailing ';'.
[[nodiscard]] std::vector<std::string> schema_statements();
// The table a schema statement creates ("CREATE TABLE IF NOT EXISTS <name> (...").
[[nodiscard]] std::string created_table(std::string_view statement);
// DELETE FROM each shop table, children before parents: --reset empties the tables and
// keeps them. A MySQL source in Materialize reads deletes as retractions, whereas a
// dropped and recreated (or truncated) table puts its subsource into an error state
// until the source is recreated (Materialize's doc/user/data/mysql_source_details.yml).
[[nodiscard]] std::vector<std::string> reset_statements();

// Receives one INSERT statement (no trailing ';') and how many rows it carries; returns
// false to stop generating (e.g. on SIGINT).
using InsertSink = std::function<bool(std::string_view statement, uint64_t rows)>;

// Generates the INSERTs for all items, then all users. Returns false if `sink` stopped it.
bool generate_inserts(const CatalogConfig& config, const InsertSink& sink);

// The two tables' rows as LOAD DATA text (tab-separated, backslash escapes, '\n' line
// ends), in chunks of about 64 KiB; `sink` returns false to stop. The LOAD DATA statement
// for each is load_data_statement(table, path).
enum class SeedTable { items, users };
using ChunkSink = std::function<bool(std::string_view chunk, uint64_t rows)>;
bool generate_tsv(SeedTable table, const CatalogConfig& config, const ChunkSink& sink);
[[nodiscard]] std::string load_data_statement(SeedTable table, std::string_view path);

// "YYYY-MM-DD HH:MM:SS" for epoch seconds, UTC.
void append_datetime(std::string& out, int64_t epoch_seconds);

}  // namespace shop::seed
