#include "script.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace shop::mzsql {
namespace {

bool is_identifier_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || c == '_' || u >= 0x80;
}
bool is_identifier_char(char c) {
  return is_identifier_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}

// Advances a position over `text` (columns count characters, not UTF-8 bytes).
void advance(SourcePosition& position, std::string_view text) {
  for (const char c : text) {
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++position.column;
    }
  }
}

// A variable reference "${NAME}" or "${NAME:-default}" at `at`, if there is one.
std::optional<VariableReference> variable_at(std::string_view text, size_t at, Context context) {
  if (text.compare(at, 2, "${") != 0) return std::nullopt;
  size_t i = at + 2;
  if (i >= text.size() || !(std::isalpha(static_cast<unsigned char>(text[i])) != 0 || text[i] == '_')) {
    return std::nullopt;
  }
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) != 0 || text[i] == '_')) ++i;
  VariableReference reference{at, 0, std::string(text.substr(at + 2, i - at - 2)), std::nullopt, context};
  if (text.compare(i, 2, ":-") == 0) {
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return std::nullopt;
    reference.fallback = std::string(text.substr(i + 2, close - i - 2));
    i = close;
  }
  if (i >= text.size() || text[i] != '}') return std::nullopt;
  reference.length = i + 1 - at;
  return reference;
}

// The dollar-quote tag ("$tag$" or "$$") starting at `at`, if there is one.
std::optional<std::string_view> dollar_tag_at(std::string_view text, size_t at) {
  size_t i = at + 1;
  if (i < text.size() && is_identifier_start(text[i])) {
    while (i < text.size() && is_identifier_char(text[i]) && text[i] != '$') ++i;
  }
  if (i >= text.size() || text[i] != '$') return std::nullopt;
  return text.substr(at, i + 1 - at);
}

class Splitter {
 public:
  Splitter(std::shared_ptr<const std::string> text, const std::string& source)
      : m_owner(std::move(text)), m_text(*m_owner), m_source(source) {}

  std::vector<Statement> run() {
    while (m_at < m_text.size()) {
      const char c = m_text[m_at];
      if (c == ';') {
        finish_statement();
        ++m_at;
      } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        ++m_at;
      } else if (m_text.compare(m_at, 2, "--") == 0) {
        skip_line_comment();
      } else if (m_text.compare(m_at, 2, "/*") == 0) {
        skip_block_comment();
      } else {
        begin_token();
        lex_token();
      }
    }
    finish_statement();
    return std::move(m_statements);
  }

 private:
  void begin_token() {
    if (!m_begin) m_begin = m_at;
    m_end = m_at;  // updated after the token
  }

  void lex_token() {
    const char c = m_text[m_at];
    const bool after_identifier = m_at > 0 && is_identifier_char(m_text[m_at - 1]);
    if (c == '\'') {
      quoted(m_at, '\'', Context::single_quoted, false);
    } else if ((c == 'E' || c == 'e') && !after_identifier && m_at + 1 < m_text.size() && m_text[m_at + 1] == '\'') {
      quoted(m_at + 1, '\'', Context::escape_string, true);
    } else if (c == '"') {
      quoted(m_at, '"', Context::identifier, false);
    } else if (c == '$' && !after_identifier && variable_at(m_text, m_at, Context::plain)) {
      note_variable(*variable_at(m_text, m_at, Context::plain));
    } else if (c == '$' && !after_identifier && dollar_tag_at(m_text, m_at)) {
      dollar_quoted(*dollar_tag_at(m_text, m_at));
    } else {
      ++m_at;
    }
    m_end = m_at;
  }

  // A quoted string or identifier whose opening quote is at `open`.
  void quoted(size_t open, char quote, Context context, bool backslash_escapes) {
    const size_t start = m_at;
    m_at = open + 1;
    for (;;) {
      if (m_at >= m_text.size()) {
        fail(start, context == Context::identifier ? "unterminated quoted identifier" : "unterminated quoted string");
      }
      const char c = m_text[m_at];
      if (backslash_escapes && c == '\\') {
        m_at += 2;
      } else if (c == quote) {
        if (m_at + 1 < m_text.size() && m_text[m_at + 1] == quote) {
          m_at += 2;  // doubled: an escaped quote
        } else {
          ++m_at;
          return;
        }
      } else if (c == '$') {
        if (auto reference = variable_at(m_text, m_at, context)) {
          note_variable(*reference);
        } else {
          ++m_at;
        }
      } else {
        ++m_at;
      }
    }
  }

  void dollar_quoted(std::string_view tag) {
    const size_t start = m_at;
    m_at += tag.size();
    for (;;) {
      if (m_at >= m_text.size()) fail(start, "unterminated dollar-quoted string");
      if (m_text.compare(m_at, tag.size(), tag) == 0) {
        m_at += tag.size();
        return;
      }
      if (auto reference = variable_at(m_text, m_at, Context::dollar_quoted)) {
        note_variable(*reference);
      } else {
        ++m_at;
      }
    }
  }

  void note_variable(const VariableReference& reference) {
    m_references.push_back(reference);
    m_at += reference.length;
  }

  void skip_line_comment() {
    const size_t start = m_at;
    const size_t newline = m_text.find('\n', m_at);
    m_at = newline == std::string_view::npos ? m_text.size() : newline + 1;
    if (m_text.compare(start, k_directive_prefix.size(), k_directive_prefix) != 0) return;
    const size_t line_end = newline == std::string_view::npos ? m_text.size() : newline;
    if (m_text.compare(start, k_skip_if_directive.size(), k_skip_if_directive) == 0) {
      skip_if_directive(start, line_end);
    } else if (m_text.compare(start, k_if_directive.size(), k_if_directive) == 0) {
      if_directive(start, line_end);
    } else {
      fail(start, "unknown directive: shop-mzsql knows '-- shop-mzsql: skip if <query>' and '-- shop-mzsql: if ${NAME} ...'");
    }
  }

  void skip_if_directive(size_t start, size_t query_end) {
    if (m_begin || m_skip_if) fail(start, "a '-- shop-mzsql: skip if' line must stand alone just before its statement");
    const size_t query_start = start + k_skip_if_directive.size();
    // Positions in the file: the query sits on the directive's line, after the prefix
    // (its own positions, of the statement or of an error in it, are all on its line 1).
    const SourcePosition at = position_of(query_start);
    std::vector<Statement> query;
    try {
      query = split_statements(std::make_shared<const std::string>(m_text.substr(query_start, query_end - query_start)),
                               m_source);
    } catch (ScriptError& error) {
      error.position = SourcePosition{at.line, error.position.column + at.column - 1};
      throw;
    }
    if (query.size() != 1) fail(start, "'-- shop-mzsql: skip if' needs exactly one query");
    query[0].start.column += at.column - 1;
    query[0].start.line = at.line;
    query[0].source_text = m_owner;
    m_skip_if = std::make_shared<const Statement>(std::move(query[0]));
    m_skip_if_offset = start;
  }

  // "-- shop-mzsql: if ${NAME} = WORD | in (WORD, ...) | is set | is not set" (script.hpp).
  void if_directive(size_t start, size_t end) {
    if (m_begin) fail(start, "a '-- shop-mzsql: if' line must stand before its statement");
    const std::string_view line = m_text.substr(0, end);
    size_t at = start + k_if_directive.size();
    const auto syntax = [&] {
      fail(start, "expected '-- shop-mzsql: if ${NAME} = WORD', 'in (WORD, ...)', 'is set' or 'is not set'");
    };
    const auto blanks = [&] {
      while (at < end && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r')) ++at;
    };
    const auto word = [&] {
      blanks();
      const size_t from = at;
      while (at < end && (std::isalnum(static_cast<unsigned char>(line[at])) != 0 || line[at] == '_' ||
                          line[at] == '.' || line[at] == '+' || line[at] == '-')) {
        ++at;
      }
      return line.substr(from, at - from);
    };
    const auto reference = variable_at(line, at, Context::plain);
    if (!reference) syntax();
    Condition condition{reference->name, reference->fallback, Condition::Kind::in, {}, position_of(at)};
    at += reference->length;
    blanks();
    if (at < end && line[at] == '=') {
      ++at;
      condition.words.emplace_back(word());
      if (condition.words.back().empty()) syntax();
    } else if (const auto keyword = word(); same_word(keyword, "in")) {
      blanks();
      if (at >= end || line[at] != '(') syntax();
      ++at;
      for (;;) {
        condition.words.emplace_back(word());
        if (condition.words.back().empty()) syntax();
        blanks();
        if (at < end && line[at] == ',') {
          ++at;
        } else if (at < end && line[at] == ')') {
          ++at;
          break;
        } else {
          syntax();
        }
      }
    } else if (same_word(keyword, "is")) {
      std::string_view next = word();
      condition.kind = Condition::Kind::is_set;
      if (same_word(next, "not")) {
        condition.kind = Condition::Kind::is_not_set;
        next = word();
      }
      if (!same_word(next, "set")) syntax();
      if (condition.fallback) fail(start, "'-- shop-mzsql: if ... is set' takes no default: write ${" + condition.name + "}");
    } else {
      syntax();
    }
    blanks();
    if (at != end) syntax();
    if (m_conditions.empty()) m_if_offset = start;
    m_conditions.push_back(std::move(condition));
  }

  void skip_block_comment() {
    const size_t start = m_at;
    int depth = 0;
    while (m_at < m_text.size()) {
      if (m_text.compare(m_at, 2, "/*") == 0) {
        ++depth;
        m_at += 2;
      } else if (m_text.compare(m_at, 2, "*/") == 0) {
        m_at += 2;
        if (--depth == 0) return;
      } else {
        ++m_at;
      }
    }
    fail(start, "unterminated /* comment");
  }

  void finish_statement() {
    if (m_begin) {
      Statement statement;
      statement.source = m_source;
      statement.source_text = m_owner;
      statement.text = std::string(m_text.substr(*m_begin, m_end - *m_begin));
      statement.start = position_of(*m_begin);
      for (auto reference : m_references) {
        reference.offset -= *m_begin;
        statement.variables.push_back(std::move(reference));
      }
      statement.skip_if = std::move(m_skip_if);
      statement.conditions = std::move(m_conditions);
      m_conditions.clear();
      m_statements.push_back(std::move(statement));
    } else if (m_skip_if && m_at >= m_text.size()) {
      fail(m_skip_if_offset, "'-- shop-mzsql: skip if' is not followed by a statement");
    } else if (!m_conditions.empty() && m_at >= m_text.size()) {
      fail(m_if_offset, "'-- shop-mzsql: if' is not followed by a statement");
    }
    m_begin.reset();
    m_references.clear();
  }

  // Positions are computed incrementally: statements come in order.
  SourcePosition position_of(size_t offset) {
    if (offset < m_position_offset) {  // an earlier place (an error about a directive): count again
      m_position = SourcePosition{};
      m_position_offset = 0;
    }
    advance(m_position, m_text.substr(m_position_offset, offset - m_position_offset));
    m_position_offset = offset;
    return m_position;
  }

  [[noreturn]] void fail(size_t offset, const std::string& message) {
    throw ScriptError{m_source, position_of(offset), message};
  }

  std::shared_ptr<const std::string> m_owner;
  std::string_view m_text;
  const std::string& m_source;
  size_t m_at = 0;
  std::optional<size_t> m_begin;  // first token of the statement being read
  size_t m_end = 0;               // just past its last token
  std::vector<VariableReference> m_references;
  std::shared_ptr<const Statement> m_skip_if;  // for the next statement
  size_t m_skip_if_offset = 0;
  std::vector<Condition> m_conditions;  // for the next statement
  size_t m_if_offset = 0;               // of the first of them
  std::vector<Statement> m_statements;
  SourcePosition m_position;
  size_t m_position_offset = 0;
};

void append_escaped(std::string& out, std::string_view value, Context context) {
  for (const char c : value) {
    if ((context == Context::single_quoted || context == Context::escape_string) && c == '\'') out += '\'';
    if (context == Context::escape_string && c == '\\') out += '\\';
    if (context == Context::identifier && c == '"') out += '"';
    out += c;
  }
}

}  // namespace

std::vector<Statement> split_statements(std::shared_ptr<const std::string> text, const std::string& source) {
  return Splitter(std::move(text), source).run();
}

std::string_view source_line(const Statement& statement, uint32_t line) {
  std::string_view text = *statement.source_text;
  for (uint32_t i = 1; i < line; ++i) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return {};
    text.remove_prefix(newline + 1);
  }
  const size_t end = text.find('\n');
  if (end != std::string_view::npos) text = text.substr(0, end);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

SourcePosition position_in_source(const Statement& statement, size_t offset) {
  SourcePosition position = statement.start;
  advance(position, std::string_view(statement.text).substr(0, std::min(offset, statement.text.size())));
  return position;
}

size_t Substituted::original_offset(size_t offset) const {
  // The last piece starting at or before `offset`.
  const auto after = std::upper_bound(pieces.begin(), pieces.end(), offset,
                                      [](size_t value, const Piece& piece) { return value < piece.start; });
  if (after == pieces.begin()) return 0;
  const Piece& piece = *(after - 1);
  return piece.verbatim ? piece.original_start + (offset - piece.start) : piece.original_start;
}

Substituted substitute(const Statement& statement, const VariableLookup& lookup,
                       const std::function<bool(const std::string&)>& is_secret, bool masked,
                       std::vector<std::string>& unset) {
  Substituted result;
  size_t copied = 0;
  for (const auto& reference : statement.variables) {
    result.pieces.push_back({result.text.size(), copied, true});
    result.text.append(statement.text, copied, reference.offset - copied);
    result.pieces.push_back({result.text.size(), reference.offset, false});
    std::optional<std::string> value = lookup(reference.name);
    if (!value) value = reference.fallback;
    if (!value) {
      if (std::find(unset.begin(), unset.end(), reference.name) == unset.end()) unset.push_back(reference.name);
      value = std::string();
    }
    if (masked && is_secret(reference.name)) value = "****";
    append_escaped(result.text, *value, reference.context);
    copied = reference.offset + reference.length;
  }
  result.pieces.push_back({result.text.size(), copied, true});
  result.text.append(statement.text, copied);
  return result;
}

bool same_word(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool conditions_hold(const Statement& statement, const VariableLookup& lookup, std::vector<std::string>& unset) {
  std::vector<std::string> missing;  // tested names without a value: they decide only if no test fails
  for (const auto& condition : statement.conditions) {
    std::optional<std::string> value = lookup(condition.name);
    switch (condition.kind) {
      case Condition::Kind::is_set:
        if (!value) return false;
        break;
      case Condition::Kind::is_not_set:
        if (value) return false;
        break;
      case Condition::Kind::in:
        if (!value) value = condition.fallback;
        if (!value) {
          missing.push_back(condition.name);
        } else if (std::none_of(condition.words.begin(), condition.words.end(),
                                [&](const std::string& word) { return same_word(*value, word); })) {
          return false;
        }
        break;
    }
  }
  for (auto& name : missing) {
    if (std::find(unset.begin(), unset.end(), name) == unset.end()) unset.push_back(std::move(name));
  }
  return missing.empty();
}

std::map<std::string, std::vector<std::string>> choices(const std::vector<Statement>& script) {
  std::map<std::string, std::vector<std::string>> accepted;
  std::map<std::string, std::pair<const Statement*, const Condition*>> first;  // the first test of each name
  for (const auto& statement : script) {
    for (const auto& condition : statement.conditions) {
      if (condition.kind != Condition::Kind::in) continue;
      auto& words = accepted[condition.name];
      for (const auto& word : condition.words) {
        if (std::none_of(words.begin(), words.end(), [&](const std::string& w) { return same_word(w, word); })) {
          words.push_back(word);
        }
      }
      const auto [earlier, inserted] = first.try_emplace(condition.name, &statement, &condition);
      if (!inserted && earlier->second.second->fallback != condition.fallback) {
        throw ScriptError{statement.source, condition.position,
                          fmt::format("the tests of {} give it different defaults (see line {})", condition.name,
                                      earlier->second.second->position.line)};
      }
    }
  }
  for (const auto& [name, test] : first) {
    const Statement* statement = test.first;
    const Condition* condition = test.second;
    const auto& words = accepted[name];
    if (condition->fallback && std::none_of(words.begin(), words.end(), [&](const std::string& w) {
          return same_word(w, *condition->fallback);
        })) {
      throw ScriptError{statement->source, condition->position,
                        fmt::format("the default '{}' of {} is none of the values its tests name", *condition->fallback,
                                    name)};
    }
  }
  return accepted;
}

bool is_secret_variable(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  for (const std::string_view word : {"PASSWORD", "SECRET", "TOKEN", "KEY"}) {
    if (upper.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace shop::mzsql
