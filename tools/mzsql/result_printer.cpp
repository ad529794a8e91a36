#include "result_printer.hpp"

#include <fmt/format.h>

#include <vector>

#include "core/error.hpp"
#include "core/postgres.hpp"
#include "core/json_text.hpp"

namespace shop::mzsql {
namespace {

// Display width: characters, not UTF-8 bytes.
size_t width_of(std::string_view text) {
  size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

void pad(std::string& out, size_t count) { out.append(count, ' '); }

// psql shows a newline inside a value by continuing the cell on the next line; one
// line per row keeps the table greppable, so a newline is shown as "\n".
std::string cell_text(std::string_view value) {
  std::string text;
  for (const char c : value) {
    if (c == '\n') {
      text += "\\n";
    } else if (c == '\r') {
      text += "\\r";
    } else {
      text += c;
    }
  }
  return text;
}

}  // namespace

ResultFormat parse_result_format(std::string_view text) {
  if (text == "table") return ResultFormat::table;
  if (text == "csv") return ResultFormat::csv;
  if (text == "tsv") return ResultFormat::tsv;
  if (text == "jsonl") return ResultFormat::jsonl;
  throw UsageError(fmt::format("--format: expected table, csv, tsv or jsonl, got '{}'", text));
}

std::string ResultPrinter::format_table(const PGresult* result) {
  const int rows = PQntuples(result);
  const int columns = PQnfields(result);
  std::vector<std::vector<std::string>> cells(static_cast<size_t>(rows));
  std::vector<size_t> widths(static_cast<size_t>(columns));
  std::vector<bool> numeric(static_cast<size_t>(columns));
  for (int c = 0; c < columns; ++c) {
    const auto column = static_cast<size_t>(c);
    widths[column] = width_of(PQfname(result, c));
    numeric[column] = column_kind(PQftype(result, c)) == ColumnKind::number;
  }
  for (int r = 0; r < rows; ++r) {
    auto& row = cells[static_cast<size_t>(r)];
    for (int c = 0; c < columns; ++c) {
      row.push_back(PQgetisnull(result, r, c) != 0 ? std::string() : cell_text(PQgetvalue(result, r, c)));
      widths[static_cast<size_t>(c)] = std::max(widths[static_cast<size_t>(c)], width_of(row.back()));
    }
  }
  std::string out;
  // Header: names centred, as psql does.
  for (int c = 0; c < columns; ++c) {
    const auto column = static_cast<size_t>(c);
    const std::string_view name = PQfname(result, c);
    const size_t space = widths[column] - width_of(name);
    out += c == 0 ? " " : " | ";
    pad(out, space / 2);
    out += name;
    if (c + 1 < columns) pad(out, space - space / 2);
  }
  out += '\n';
  for (int c = 0; c < columns; ++c) {
    if (c > 0) out += '+';
    out.append(widths[static_cast<size_t>(c)] + 2, '-');
  }
  out += '\n';
  for (const auto& row : cells) {
    for (size_t column = 0; column < row.size(); ++column) {
      out += column == 0 ? " " : " | ";
      const size_t space = widths[column] - width_of(row[column]);
      if (numeric[column]) {
        pad(out, space);
        out += row[column];
      } else {
        out += row[column];
        if (column + 1 < row.size()) pad(out, space);
      }
    }
    out += '\n';
  }
  out += fmt::format("({} row{})\n", rows, rows == 1 ? "" : "s");
  return out;
}

void ResultPrinter::print(const PGresult* result) {
  const int rows = PQntuples(result);
  const int columns = PQnfields(result);
  std::string out;
  switch (m_format) {
    case ResultFormat::table:
      if (m_printed_table) out += '\n';
      out += format_table(result);
      m_printed_table = true;
      break;
    case ResultFormat::csv:
    case ResultFormat::tsv: {
      const bool csv = m_format == ResultFormat::csv;
      for (int c = 0; c < columns; ++c) {
        if (c > 0) out += csv ? ',' : '\t';
        csv ? append_csv_field(out, PQfname(result, c)) : append_tsv_field(out, PQfname(result, c));
      }
      out += '\n';
      for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < columns; ++c) {
          if (c > 0) out += csv ? ',' : '\t';
          if (PQgetisnull(result, r, c) != 0) {
            if (!csv) out += "\\N";  // COPY's NULL; CSV leaves the field empty, as psql --csv does
          } else {
            csv ? append_csv_field(out, PQgetvalue(result, r, c)) : append_tsv_field(out, PQgetvalue(result, r, c));
          }
        }
        out += '\n';
      }
      break;
    }
    case ResultFormat::jsonl:
      for (int r = 0; r < rows; ++r) {
        out += '{';
        for (int c = 0; c < columns; ++c) {
          if (c > 0) out += ", ";
          append_json_string(out, PQfname(result, c));
          out += ": ";
          if (PQgetisnull(result, r, c) != 0) {
            out += "null";
          } else {
            append_json_value(out, PQgetvalue(result, r, c), column_kind(PQftype(result, c)));
          }
        }
        out += "}\n";
      }
      break;
  }
  m_out.write(out);
}

}  // namespace shop::mzsql
