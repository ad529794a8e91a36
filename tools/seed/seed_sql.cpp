#include "seed_sql.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace shop::seed {

extern const std::string_view k_schema_sql;  // embedded sql/mysql/schema.sql

namespace {

void append_uint(std::string& out, uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_two_digits(std::string& out, unsigned value) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

// Appends a single-quoted SQL string literal. Generated values hold no quotes or
// backslashes, but the writer does not rely on it.
void append_quoted(std::string& out, std::string_view text) {
  out += '\'';
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

// Appends a LOAD DATA field: backslash-escaped tab, newline and backslash.
void append_tsv_text(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
}

void append_price(std::string& out, uint32_t cents) {
  append_uint(out, cents / 100);
  out += '.';
  append_two_digits(out, cents % 100);
}

// The two text forms of a row: a SQL value tuple "(1,'a',...)" and a LOAD DATA line
// "1\ta\t...\n". One formatter per table serves both, so they cannot drift apart.
struct SqlTuple {
  static void begin(std::string& out) { out += '('; }
  static void separator(std::string& out) { out += ','; }
  static void end(std::string& out) { out += ')'; }
  static void text(std::string& out, std::string_view value) { append_quoted(out, value); }
  static void datetime(std::string& out, int64_t epoch_seconds) {
    out += '\'';
    append_datetime(out, epoch_seconds);
    out += '\'';
  }
};

struct TsvLine {
  static void begin(std::string&) {}
  static void separator(std::string& out) { out += '\t'; }
  static void end(std::string& out) { out += '\n'; }
  static void text(std::string& out, std::string_view value) { append_tsv_text(out, value); }
  static void datetime(std::string& out, int64_t epoch_seconds) { append_datetime(out, epoch_seconds); }
};

template <typename Format>
void append_item(std::string& out, const ItemRow& row) {
  Format::begin(out);
  append_uint(out, row.id);
  Format::separator(out);
  Format::text(out, row.name);
  Format::separator(out);
  Format::text(out, row.category);
  Format::separator(out);
  append_price(out, row.price_cents);
  Format::separator(out);
  append_uint(out, static_cast<uint64_t>(row.inventory));
  for (int column = 0; column < 3; ++column) {  // inventory_updated_at, created_at, updated_at
    Format::separator(out);
    Format::datetime(out, row.created_at);
  }
  Format::end(out);
}

template <typename Format>
void append_user(std::string& out, const UserRow& row) {
  Format::begin(out);
  append_uint(out, row.id);
  Format::separator(out);
  Format::text(out, row.email);
  Format::separator(out);
  out += row.is_vip ? '1' : '0';
  for (int column = 0; column < 2; ++column) {  // created_at, updated_at
    Format::separator(out);
    Format::datetime(out, row.created_at);
  }
  Format::end(out);
}

constexpr std::string_view k_item_columns =
    "(id, name, category, price, inventory, inventory_updated_at, created_at, updated_at)";
constexpr std::string_view k_user_columns = "(id, email, is_vip, created_at, updated_at)";

// Runs `each_row(out)` for every row of `table`, in id order.
template <typename Format, typename Emit>
bool for_each_row(SeedTable table, const CatalogConfig& config, Emit&& emit) {
  if (table == SeedTable::items) {
    ItemGenerator generator(config);
    ItemRow row{};
    while (!generator.done()) {
      generator.next(row);
      if (!emit([&](std::string& out) { append_item<Format>(out, row); })) return false;
    }
  } else {
    UserGenerator generator(config);
    UserRow row{};
    while (!generator.done()) {
      generator.next(row);
      if (!emit([&](std::string& out) { append_user<Format>(out, row); })) return false;
    }
  }
  return true;
}


// Accumulates value tuples into statements of about k_statement_bytes.
class StatementBuilder {
 public:
  StatementBuilder(std::string prefix, const InsertSink& sink) : m_prefix(std::move(prefix)), m_sink(sink) {
    m_statement.reserve(k_statement_bytes + 4096);
  }
  // Starts the next tuple; returns the buffer to append "(...)" to.
  std::string& begin_row() {
    if (m_rows == 0) {
      m_statement.assign(m_prefix);
    } else {
      m_statement += ',';
    }
    return m_statement;
  }
  // Ends the tuple; hands a full statement to the sink. False if the sink stopped.
  bool end_row() {
    ++m_rows;
    return m_statement.size() >= k_statement_bytes ? flush() : true;
  }
  bool flush() {
    if (m_rows == 0) return true;
    const uint64_t rows = m_rows;
    m_rows = 0;
    return m_sink(m_statement, rows);
  }

 private:
  std::string m_prefix;
  const InsertSink& m_sink;
  std::string m_statement;
  uint64_t m_rows = 0;
};

}  // namespace

void append_datetime(std::string& out, int64_t epoch_seconds) {
  using namespace std::chrono;
  const sys_seconds instant{seconds{epoch_seconds}};
  const auto day = floor<days>(instant);
  const year_month_day date{day};
  const hh_mm_ss time{instant - day};
  append_uint(out, static_cast<uint64_t>(static_cast<int>(date.year())));
  out += '-';
  append_two_digits(out, static_cast<unsigned>(date.month()));
  out += '-';
  append_two_digits(out, static_cast<unsigned>(date.day()));
  out += ' ';
  append_two_digits(out, static_cast<unsigned>(time.hours().count()));
  out += ':';
  append_two_digits(out, static_cast<unsigned>(time.minutes().count()));
  out += ':';
  append_two_digits(out, static_cast<unsigned>(time.seconds().count()));
}

std::vector<std::string> schema_statements() {
  // The schema file keeps one statement per group of lines ending in ';' and uses no
  // semicolons elsewhere (see its header), so a line-based split is exact here.
  std::vector<std::string> statements;
  std::string current;
  std::string_view rest = k_schema_sql;
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line.substr(first).starts_with("--")) continue;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
    if (!current.empty()) current += '\n';
    if (line.ends_with(';')) {
      current.append(line.substr(0, line.size() - 1));
      statements.push_back(std::move(current));
      current.clear();
    } else {
      current.append(line);
    }
  }
  return statements;
}

std::string created_table(std::string_view statement) {
  constexpr std::string_view prefix = "CREATE TABLE IF NOT EXISTS ";
  if (!statement.starts_with(prefix)) return {};
  statement.remove_prefix(prefix.size());
  return std::string(statement.substr(0, statement.find_first_of(" (")));
}

std::vector<std::string> reset_statements() {
  return {"DELETE FROM warehouse_orders", "DELETE FROM purchases", "DELETE FROM items", "DELETE FROM users"};
}

bool generate_inserts(const CatalogConfig& config, const InsertSink& sink) {
  for (const auto table : {SeedTable::items, SeedTable::users}) {
    const std::string prefix = fmt::format("INSERT INTO {} {} VALUES ", table == SeedTable::items ? "items" : "users",
                                           table == SeedTable::items ? k_item_columns : k_user_columns);
    StatementBuilder builder(prefix, sink);
    const bool completed = for_each_row<SqlTuple>(table, config, [&](const auto& append_row) {
      append_row(builder.begin_row());
      return builder.end_row();
    });
    if (!completed || !builder.flush()) return false;
  }
  return true;
}

bool generate_tsv(SeedTable table, const CatalogConfig& config, const ChunkSink& sink) {
  constexpr size_t chunk_bytes = size_t{1} << 16;
  std::string chunk;
  chunk.reserve(chunk_bytes + 1024);
  uint64_t rows = 0;
  const bool completed = for_each_row<TsvLine>(table, config, [&](const auto& append_row) {
    append_row(chunk);
    ++rows;
    if (chunk.size() < chunk_bytes) return true;
    const bool go_on = sink(chunk, rows);
    chunk.clear();
    rows = 0;
    return go_on;
  });
  if (!completed) return false;
  return rows == 0 || sink(chunk, rows);
}

std::string load_data_statement(SeedTable table, std::string_view path) {
  // The explicit FIELDS/LINES clauses are the defaults, spelled out so the format the
  // generator writes and the one the server reads are visibly the same.
  return fmt::format(
      "LOAD DATA LOCAL INFILE '{}' INTO TABLE {} CHARACTER SET utf8mb4 "
      "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' {}",
      path, table == SeedTable::items ? "items" : "users", table == SeedTable::items ? k_item_columns : k_user_columns);
}

}  // namespace shop::seed
