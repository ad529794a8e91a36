#pragma once
// SQL scripts for shop-mzsql: split into statements the way the server's lexer sees
// them, each with its source position, and ${NAME} / ${NAME:-default} variables filled in.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shop::mzsql {

// Where a character came from: "file", line and column (1-based, columns in bytes).
struct SourcePosition {
  uint32_t line = 1;
  uint32_t column = 1;
};

// The lexical context a variable reference sits in, which decides how its value is
// escaped: inside '...' a quote is doubled, inside E'...' also a backslash, inside "..."
// a double quote is doubled; in plain SQL and dollar-quoted bodies it goes in as is.
enum class Context { plain, single_quoted, escape_string, identifier, dollar_quoted };

struct VariableReference {
  size_t offset;  // of "${" in the statement's text
  size_t length;  // through the closing "}"
  std::string name;
  std::optional<std::string> fallback;  // the text after ":-"
  Context context;
};

// One "-- shop-mzsql: if" line, a test decided on the client before anything connects:
//   -- shop-mzsql: if ${NAME} = WORD                 (also ${NAME:-default} = WORD)
//   -- shop-mzsql: if ${NAME} in (WORD, WORD, ...)   (also ${NAME:-default} in (...))
//   -- shop-mzsql: if ${NAME} is set                 (by --var or the environment, even empty)
//   -- shop-mzsql: if ${NAME} is not set
// A WORD is letters, digits and _ . + -; words compare case-insensitively (ASCII). The
// words a script's "=" and "in" tests give NAME are all it accepts: any other value of
// NAME is refused (see choices()).
struct Condition {
  enum class Kind { in, is_set, is_not_set };
  std::string name;
  std::optional<std::string> fallback;  // the default of an "=" / "in" test
  Kind kind = Kind::in;
  std::vector<std::string> words;       // of an "=" / "in" test, as written
  SourcePosition position;              // of its "${" in the file
};

struct Statement {
  std::string source;  // file name, "<stdin>", or "-c #N"
  std::shared_ptr<const std::string> source_text;  // the whole script, for quoting its lines
  std::string text;    // from its first token up to (not including) the ';'
  SourcePosition start;
  std::vector<VariableReference> variables;  // in order of offset
  // From a "-- shop-mzsql: skip if <query>" line just before the statement: the
  // statement is skipped when this query returns a row (for objects without IF NOT
  // EXISTS, e.g. Materialize's CREATE CLUSTER).
  std::shared_ptr<const Statement> skip_if;
  // From "-- shop-mzsql: if" lines just before the statement: it is sent only when all
  // of them hold (conditions_hold()); otherwise it is left out, and --dry-run omits it.
  std::vector<Condition> conditions;
};

// Every "-- shop-mzsql: " line is a directive; an unknown one is an error.
inline constexpr std::string_view k_directive_prefix = "-- shop-mzsql: ";
// The directive that gives a statement its skip_if query.
inline constexpr std::string_view k_skip_if_directive = "-- shop-mzsql: skip if ";
// The directive that gives a statement a condition.
inline constexpr std::string_view k_if_directive = "-- shop-mzsql: if ";

// Thrown for text the splitter cannot finish (an unterminated quote, comment or
// variable); names the position where the unterminated part began.
struct ScriptError {
  std::string source;
  SourcePosition position;
  std::string message;
};

// Splits `text` into statements at semicolons outside quotes, identifiers, dollar
// quotes and comments ('--' to the end of the line, nested /* */). Statements with no
// token (only whitespace and comments) are dropped. Throws ScriptError.
[[nodiscard]] std::vector<Statement> split_statements(std::shared_ptr<const std::string> text, const std::string& source);

// Line `line` (1-based) of the statement's script, without its newline.
[[nodiscard]] std::string_view source_line(const Statement& statement, uint32_t line);

// The position of byte `offset` of `statement.text` in its source.
[[nodiscard]] SourcePosition position_in_source(const Statement& statement, size_t offset);

// Looks a variable up: --var first, then the environment (the caller's choice).
using VariableLookup = std::function<std::optional<std::string>(const std::string& name)>;

// A statement with its variables filled in, and how to find the source position of any
// byte of the result (for the server's error positions).
struct Substituted {
  struct Piece {
    size_t start;           // in `text`
    size_t original_start;  // in the statement's original text
    bool verbatim;          // copied unchanged; else a value, all of it mapping to its reference
  };
  std::string text;
  std::vector<Piece> pieces;  // in order, covering `text`
  // The offset in the statement's original text that produced byte `offset` of `text`.
  [[nodiscard]] size_t original_offset(size_t offset) const;
};

// Fills in every variable. `mask` decides which values are printed as **** (secrets):
// with `masked` true those values are replaced by "****" (for --dry-run). Returns the
// names of the unset variables (without a default) in `unset` instead of failing, so
// every one of them can be reported at once.
[[nodiscard]] Substituted substitute(const Statement& statement, const VariableLookup& lookup,
                                     const std::function<bool(const std::string&)>& is_secret, bool masked,
                                     std::vector<std::string>& unset);

// Whether all of the statement's conditions hold. When none fails but some "=" / "in"
// test names a variable that is unset and has no default, the answer is false and
// those names are added to `unset` (to be reported with the others: the statement
// may well be chosen once they are set).
[[nodiscard]] bool conditions_hold(const Statement& statement, const VariableLookup& lookup,
                                   std::vector<std::string>& unset);

// The values one script accepts for each name its "=" / "in" tests compare: every word
// they name, in order of first appearance (case-insensitively unique). Throws
// ScriptError when a default is not among them, or two tests give one name different
// defaults.
[[nodiscard]] std::map<std::string, std::vector<std::string>> choices(const std::vector<Statement>& script);

// ASCII case-insensitive equality, as the tests compare words.
[[nodiscard]] bool same_word(std::string_view a, std::string_view b);

// Names that hold secrets and are never printed: containing PASSWORD, SECRET, TOKEN or
// KEY (any case).
[[nodiscard]] bool is_secret_variable(std::string_view name);

}  // namespace shop::mzsql
