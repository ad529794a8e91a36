#pragma once
// Rows a statement returns, written to stdout as an aligned table like psql's, or as
// CSV, TSV or JSON lines.
#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "core/output.hpp"

namespace shop::mzsql {

enum class ResultFormat { table, csv, tsv, jsonl };

// Parses --format; throws UsageError.
[[nodiscard]] ResultFormat parse_result_format(std::string_view text);

// Writes a PGRES_TUPLES_OK result. Tables are separated by a blank line, like psql's.
class ResultPrinter {
 public:
  ResultPrinter(ResultFormat format, StdoutWriter& out) : m_format(format), m_out(out) {}
  void print(const PGresult* result);

  // The aligned table psql prints (header centred, numbers right-aligned, "(N rows)").
  [[nodiscard]] static std::string format_table(const PGresult* result);

 private:
  ResultFormat m_format;
  StdoutWriter& m_out;
  bool m_printed_table = false;
};

}  // namespace shop::mzsql
