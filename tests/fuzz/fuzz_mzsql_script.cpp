// Fuzzes tools/mzsql/script.cpp: split_statements(), substitute(), the positions.
//
// Input: a script, optionally followed by a NUL byte and "NAME=value" lines (the
// --var values; a name without a line gets a value picked by its hash, or none).
// Beyond "no crash, only ScriptError", checks that must hold for any script:
//   - each statement's text is in the script, in order, at the file:line:col it names
//     (and so is each skip-if query's), starts and ends with a token; each "if"
//     condition sits at its "${NAME" on an "-- shop-mzsql: if " line before it;
//   - each variable reference is a "${NAME...}" inside its statement's text;
//   - a ScriptError names a byte of the script where the unterminated thing begins;
//   - substitute() keeps every verbatim byte and maps it back to its original offset; a
//     statement without references comes back unchanged; unset names are exactly the
//     references with no value and no default; a masked secret prints as ****;
//   - a value in '...', E'...' or "..." cannot break out of its quotes: the filled-in
//     statement splits again into exactly itself.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "script.hpp"

namespace {

using shop::mzsql::Context;
using shop::mzsql::ScriptError;
using shop::mzsql::SourcePosition;
using shop::mzsql::Statement;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "fuzz_mzsql_script: invariant violated: %s\n", what);
  std::abort();
}
void check(bool condition, const char* what) {
  if (!condition) violated(what);
}

// The position of every byte offset 0..size (the splitter's rule: columns count UTF-8
// characters, i.e. every byte but continuation bytes).
std::vector<SourcePosition> positions_of(std::string_view text) {
  std::vector<SourcePosition> positions(text.size() + 1);
  SourcePosition position;
  for (size_t i = 0; i < text.size(); ++i) {
    positions[i] = position;
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++position.column;
    }
  }
  positions[text.size()] = position;
  return positions;
}

bool same(SourcePosition a, SourcePosition b) { return a.line == b.line && a.column == b.column; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Where `statement.text` sits in `script` at its position, at or after `from`; npos if nowhere.
size_t locate(std::string_view script, const std::vector<SourcePosition>& positions, const Statement& statement,
              size_t from) {
  for (size_t at = from; at + statement.text.size() <= script.size(); ++at) {
    if (same(positions[at], statement.start) && script.compare(at, statement.text.size(), statement.text) == 0) {
      return at;
    }
  }
  return std::string_view::npos;
}

void check_references(const Statement& statement) {
  size_t previous_end = 0;
  for (const auto& reference : statement.variables) {
    check(reference.offset >= previous_end, "references in order, not overlapping");
    check(reference.length >= 4 && reference.offset + reference.length <= statement.text.size(),
          "reference inside the statement's text");
    const std::string_view written = std::string_view(statement.text).substr(reference.offset, reference.length);
    check(written.substr(0, 2 + reference.name.size()) == "${" + reference.name, "reference starts with ${NAME");
    check(written.back() == '}', "reference ends with }");
    check(!reference.name.empty(), "reference has a name");
    if (reference.fallback) {
      check(written == "${" + reference.name + ":-" + *reference.fallback + "}", "reference with its default");
    } else {
      check(written.size() == reference.name.size() + 3, "reference without a default is ${NAME}");
    }
    previous_end = reference.offset + reference.length;
  }
}

// The value a name gets: from the input's "NAME=value" lines, else one picked by a hash
// of the name (values that need escaping, or none).
struct Values {
  std::map<std::string, std::string, std::less<>> given;
  std::optional<std::string> operator()(const std::string& name) const {
    if (const auto found = given.find(name); found != given.end()) return found->second;
    static const char* const k_values[] = {"", "x", "it's", "say \"hi\"", "back\\slash", "E'\\''", "a;b",
                                           "-- c", "/* c", "$$", "$t$", "\n", "****"};
    size_t hash = 0;
    for (const char c : name) hash = hash * 31 + static_cast<unsigned char>(c);
    const size_t pick = hash % (std::size(k_values) + 3);
    if (pick >= std::size(k_values)) return std::nullopt;
    return std::string(k_values[pick]);
  }
};

void check_substitution(const Statement& statement, const Values& values, bool masked) {
  std::vector<std::string> unset;
  const auto substituted = shop::mzsql::substitute(statement, values, shop::mzsql::is_secret_variable, masked, unset);
  const std::string& text = substituted.text;
  const auto& pieces = substituted.pieces;
  check(!pieces.empty() && pieces.front().start == 0, "pieces start at 0");
  size_t reference_index = 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const size_t end = i + 1 < pieces.size() ? pieces[i + 1].start : text.size();
    check(pieces[i].start <= end && end <= text.size(), "pieces in order, inside the text");
    if (pieces[i].verbatim) {
      check(pieces[i].original_start + (end - pieces[i].start) <= statement.text.size(), "verbatim piece inside");
      check(text.compare(pieces[i].start, end - pieces[i].start, statement.text, pieces[i].original_start,
                         end - pieces[i].start) == 0,
            "verbatim piece copied unchanged");
      for (size_t k = pieces[i].start; k < end; ++k) {
        check(substituted.original_offset(k) == pieces[i].original_start + (k - pieces[i].start),
              "original_offset of a verbatim byte");
      }
    } else {
      check(reference_index < statement.variables.size(), "one value piece per reference");
      const auto& reference = statement.variables[reference_index++];
      check(pieces[i].original_start == reference.offset, "a value maps to its reference");
      for (size_t k = pieces[i].start; k < end; ++k) {
        check(substituted.original_offset(k) == reference.offset, "original_offset of a value byte");
      }
      if (masked && shop::mzsql::is_secret_variable(reference.name)) {
        check(text.compare(pieces[i].start, end - pieces[i].start, "****") == 0, "a masked secret is ****");
      }
    }
  }
  check(reference_index == statement.variables.size(), "every reference filled in");
  if (statement.variables.empty()) check(text == statement.text, "no references: the text unchanged");

  std::vector<std::string> expected_unset;
  for (const auto& reference : statement.variables) {
    if (!values(reference.name) && !reference.fallback &&
        std::find(expected_unset.begin(), expected_unset.end(), reference.name) == expected_unset.end()) {
      expected_unset.push_back(reference.name);
    }
  }
  check(unset == expected_unset, "unset: the references with neither value nor default, once each");

  // A value in quotes stays in them. (Plain and dollar-quoted values go in as they are,
  // as documented, so they may change the statement; and a filled-in "${" would be
  // lexed as a new reference, which the server never sees.)
  bool all_quoted = true;
  for (const auto& reference : statement.variables) {
    const Context context = reference.context;
    all_quoted = all_quoted && (context == Context::single_quoted || context == Context::escape_string ||
                                context == Context::identifier);
  }
  if (all_quoted && !statement.variables.empty() && text.find("${") == std::string::npos) {
    std::vector<Statement> again;
    try {
      again = shop::mzsql::split_statements(std::make_shared<const std::string>(text), "again");
    } catch (const ScriptError& error) {
      std::fprintf(stderr, "re-split: %s\n", error.message.c_str());
      violated("a filled-in statement splits again (values escaped for their quotes)");
    }
    check(again.size() == 1 && again[0].text == text, "a filled-in statement splits again into itself");
  }
}

// `at`: where the statement's text is in the script (found by locate()).
void check_statement(std::string_view script, const std::vector<SourcePosition>& positions, const Statement& statement,
                     size_t at, const Values& values) {
  check(!statement.text.empty(), "a statement has text");
  check(!is_space(statement.text.front()) && !is_space(statement.text.back()), "text from token to token");
  check(statement.source_text != nullptr && *statement.source_text == script, "source_text is the script");
  check(statement.source == "fuzz.sql", "source name kept");
  const std::string_view line = shop::mzsql::source_line(statement, statement.start.line);
  // The quoted line is the script's line (without "\n" and a trailing "\r").
  size_t line_start = 0;
  for (uint32_t l = 1; l < statement.start.line; ++l) line_start = script.find('\n', line_start) + 1;
  std::string_view expected_line = script.substr(line_start, script.find('\n', line_start) - line_start);
  if (!expected_line.empty() && expected_line.back() == '\r') expected_line.remove_suffix(1);
  check(line == expected_line, "source_line is the script's line");
  check_references(statement);
  // position_in_source() agrees with the positions of the bytes the text came from
  // (every byte of a short statement, 64 spread over a long one: each call is linear).
  const size_t step = std::max<size_t>(1, statement.text.size() / 64);
  for (size_t k = 0; k <= statement.text.size(); k += step) {
    check(same(shop::mzsql::position_in_source(statement, k), positions[at + k]), "position_in_source");
  }
  check(same(shop::mzsql::position_in_source(statement, statement.text.size()), positions[at + statement.text.size()]),
        "position_in_source at the end");
  check_substitution(statement, values, false);
  check_substitution(statement, values, true);
}

// The characters an unterminated construct can begin with, by ScriptError's message.
std::string_view openers_of(const std::string& message) {
  if (message == "unterminated quoted string") return "'Ee";
  if (message == "unterminated quoted identifier") return "\"";
  if (message == "unterminated dollar-quoted string") return "$";
  if (message == "unterminated /* comment") return "/";
  if (message.find("skip if") != std::string::npos || message.find("shop-mzsql") != std::string::npos) return "-";
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view script = input.substr(0, nul);
  Values values;
  if (nul != std::string_view::npos) {
    std::string_view rest = input.substr(nul + 1);
    while (!rest.empty()) {
      const size_t newline = rest.find('\n');
      const std::string_view line = rest.substr(0, newline);
      if (const size_t equals = line.find('='); equals != std::string_view::npos) {
        values.given.emplace(std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
      }
      rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    }
  }

  const auto positions = positions_of(script);
  std::vector<Statement> statements;
  try {
    statements = shop::mzsql::split_statements(std::make_shared<const std::string>(script), "fuzz.sql");
  } catch (const ScriptError& error) {
    check(error.source == "fuzz.sql", "error names the source");
    const std::string_view openers = openers_of(error.message);
    check(!openers.empty(), "a documented error message");
    bool found = false;
    for (size_t at = 0; at < script.size() && !found; ++at) {
      found = same(positions[at], error.position) && openers.find(script[at]) != std::string_view::npos;
    }
    if (!found) {
      std::fprintf(stderr, "error '%s' at %u:%u\n", error.message.c_str(), error.position.line, error.position.column);
      violated("a ScriptError names where the unterminated part begins");
    }
    return 0;
  }

  size_t from = 0;
  for (const auto& statement : statements) {
    const size_t at = locate(script, positions, statement, from);
    check(at != std::string_view::npos, "statements in order, each at its position");
    from = at + statement.text.size();
    check_statement(script, positions, statement, at, values);
    if (statement.skip_if) {
      const Statement& query = *statement.skip_if;
      check(query.skip_if == nullptr, "a skip-if query has no skip-if");
      const size_t query_at = locate(script, positions, query, 0);
      check(query_at < at, "the skip-if query is at its position, before its statement");
      check_statement(script, positions, query, query_at, values);
    }
    for (const auto& condition : statement.conditions) {
      // At its "${NAME" on an "-- shop-mzsql: if " line before the statement.
      size_t line_start = 0;
      for (uint32_t l = 1; l < condition.position.line; ++l) line_start = script.find('\n', line_start) + 1;
      const size_t condition_at = line_start + shop::mzsql::k_if_directive.size();
      check(script.compare(line_start, shop::mzsql::k_if_directive.size(), shop::mzsql::k_if_directive) == 0 &&
                condition.position.column == shop::mzsql::k_if_directive.size() + 1 && condition_at < at &&
                script.compare(condition_at, 2 + condition.name.size(), "${" + condition.name) == 0,
            "a condition is at its ${NAME, on an if line before its statement");
      check((condition.kind == shop::mzsql::Condition::Kind::in) != condition.words.empty(),
            "an = / in test has words, an is [not] set test none");
      check(condition.kind == shop::mzsql::Condition::Kind::in || !condition.fallback, "is [not] set has no default");
    }
  }
  return 0;
}
