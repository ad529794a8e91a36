#include "seed_sql.hpp"

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

void append_price(std::string& out, uint32_t cents) {
  append_uint(out, cents / 100);
  out += '.';
  append_two_digits(out, cents % 100);
}

void append_quoted_datetime(std::string& out, int64_t epoch_seconds) {
  out += '\'';
  append_datetime(out, epoch_seconds);
  out += '\'';
}

constexpr std::string_view k_items_insert =
    "INSERT INTO items (id, name, category, price, inventory, inventory_updated_at, created_at, updated_at) VALUES ";
constexpr std::string_view k_users_insert = "INSERT INTO users (id, email, is_vip, created_at, updated_at) VALUES ";

// Accumulates value tuples into statements of about k_statement_bytes.
class StatementBuilder {
 public:
  StatementBuilder(std::string_view prefix, const InsertSink& sink) : m_prefix(prefix), m_sink(sink) {
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
  std::string_view m_prefix;
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

std::vector<std::string> drop_statements() {
  return {"DROP TABLE IF EXISTS warehouse_orders", "DROP TABLE IF EXISTS purchases", "DROP TABLE IF EXISTS items",
          "DROP TABLE IF EXISTS users"};
}

bool generate_inserts(const CatalogConfig& config, const InsertSink& sink) {
  {
    StatementBuilder items(k_items_insert, sink);
    ItemGenerator generator(config);
    ItemRow row{};
    while (!generator.done()) {
      generator.next(row);
      std::string& out = items.begin_row();
      out += '(';
      append_uint(out, row.id);
      out += ',';
      append_quoted(out, row.name);
      out += ',';
      append_quoted(out, row.category);
      out += ',';
      append_price(out, row.price_cents);
      out += ',';
      append_uint(out, static_cast<uint64_t>(row.inventory));
      for (int column = 0; column < 3; ++column) {  // inventory_updated_at, created_at, updated_at
        out += ',';
        append_quoted_datetime(out, row.created_at);
      }
      out += ')';
      if (!items.end_row()) return false;
    }
    if (!items.flush()) return false;
  }
  StatementBuilder users(k_users_insert, sink);
  UserGenerator generator(config);
  UserRow row{};
  while (!generator.done()) {
    generator.next(row);
    std::string& out = users.begin_row();
    out += '(';
    append_uint(out, row.id);
    out += ',';
    append_quoted(out, row.email);
    out += row.is_vip ? ",1," : ",0,";
    append_quoted_datetime(out, row.created_at);
    out += ',';
    append_quoted_datetime(out, row.created_at);
    out += ')';
    if (!users.end_row()) return false;
  }
  return users.flush();
}

}  // namespace shop::seed
