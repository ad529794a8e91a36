// tools/mzsql/script.cpp: the statement splitter, positions, and variables.
#include "script.hpp"

#include <gtest/gtest.h>

#include <map>

namespace shop::mzsql {
namespace {

std::vector<Statement> split(const std::string& text) {
  return split_statements(std::make_shared<const std::string>(text), "test.sql");
}

std::vector<std::string> texts(const std::string& text) {
  std::vector<std::string> result;
  for (const auto& statement : split(text)) result.push_back(statement.text);
  return result;
}

using Texts = std::vector<std::string>;

TEST(SplitStatements, SplitsAtSemicolonsAndDropsEmptyOnes) {
  EXPECT_EQ(texts("SELECT 1; SELECT 2;;\n;  SELECT 3"), (Texts{"SELECT 1", "SELECT 2", "SELECT 3"}));
  EXPECT_EQ(texts(""), Texts{});
  EXPECT_EQ(texts("  -- only a comment;\n /* and; another */ ;"), Texts{});
}

TEST(SplitStatements, SemicolonsInsideQuotesAndCommentsDoNotSplit) {
  EXPECT_EQ(texts("SELECT 'a;b', 'it''s;'; SELECT 2"), (Texts{"SELECT 'a;b', 'it''s;'", "SELECT 2"}));
  EXPECT_EQ(texts(R"(SELECT E'a\';b', e'\\'; SELECT 2)"), (Texts{R"(SELECT E'a\';b', e'\\')", "SELECT 2"}));
  EXPECT_EQ(texts(R"(SELECT "a;""b" FROM t; SELECT 2)"), (Texts{R"(SELECT "a;""b" FROM t)", "SELECT 2"}));
  EXPECT_EQ(texts("SELECT $$a;b$$, $fn$ $$; $fn$; SELECT 2"), (Texts{"SELECT $$a;b$$, $fn$ $$; $fn$", "SELECT 2"}));
  EXPECT_EQ(texts("SELECT 1 -- a; comment\n, 2; SELECT 3"), (Texts{"SELECT 1 -- a; comment\n, 2", "SELECT 3"}));
  EXPECT_EQ(texts("SELECT /* a /* nested; */ still; */ 1; SELECT 2"),
            (Texts{"SELECT /* a /* nested; */ still; */ 1", "SELECT 2"}));
}

TEST(SplitStatements, BackslashesOnlyEscapeInEStrings) {
  // In a standard string a backslash is an ordinary character: 'a\' ends the string.
  EXPECT_EQ(texts(R"(SELECT 'a\'; SELECT 2)"), (Texts{R"(SELECT 'a\')", "SELECT 2"}));
  // "name'" is an identifier followed by a quote, not an E string.
  EXPECT_EQ(texts("SELECT 1 AS namE';'; SELECT 2"), (Texts{"SELECT 1 AS namE';'", "SELECT 2"}));
}

TEST(SplitStatements, DollarSignsThatAreNotQuotes) {
  // $1 is a parameter and a$b an identifier: neither opens a dollar quote.
  EXPECT_EQ(texts("SELECT $1; SELECT a$b$ FROM t; SELECT 3"), (Texts{"SELECT $1", "SELECT a$b$ FROM t", "SELECT 3"}));
}

TEST(SplitStatements, KeepsEachStatementsPosition) {
  const auto statements = split("-- header\nSELECT 1;  SELECT\n  2;\n\n\tSELECT 'é'; SELECT 4");
  ASSERT_EQ(statements.size(), 4u);
  EXPECT_EQ(statements[0].start.line, 2u);
  EXPECT_EQ(statements[0].start.column, 1u);
  EXPECT_EQ(statements[1].start.line, 2u);
  EXPECT_EQ(statements[1].start.column, 12u);
  EXPECT_EQ(statements[2].start.line, 5u);
  EXPECT_EQ(statements[2].start.column, 2u);
  EXPECT_EQ(statements[3].start.line, 5u);
  EXPECT_EQ(statements[3].start.column, 14u);  // columns count characters: 'é' is one
  EXPECT_EQ(position_in_source(statements[1], statements[1].text.find('2')).line, 3u);
  EXPECT_EQ(position_in_source(statements[1], statements[1].text.find('2')).column, 3u);
  EXPECT_EQ(source_line(statements[1], 3), "  2;");
}

TEST(SplitStatements, UnterminatedPartsAreErrorsAtTheirStart) {
  const std::map<std::string, std::pair<std::string, SourcePosition>> cases = {
      {"SELECT 1;\nSELECT 'abc", {"unterminated quoted string", {2, 8}}},
      {"SELECT \"abc", {"unterminated quoted identifier", {1, 8}}},
      {"SELECT $x$ abc $y$", {"unterminated dollar-quoted string", {1, 8}}},
      {"SELECT 1 /* a /* b */", {"unterminated /* comment", {1, 10}}},
      {"SELECT E'a\\'", {"unterminated quoted string", {1, 8}}},
  };
  for (const auto& [text, expected] : cases) {
    try {
      (void)split(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const ScriptError& error) {
      EXPECT_EQ(error.message, expected.first) << text;
      EXPECT_EQ(error.position.line, expected.second.line) << text;
      EXPECT_EQ(error.position.column, expected.second.column) << text;
      EXPECT_EQ(error.source, "test.sql");
    }
  }
}

TEST(SplitStatements, ASkipIfLineBelongsToTheNextStatement) {
  const auto statements = split("SELECT 1;\n-- shop-mzsql: skip if SELECT 1 FROM c WHERE n = '${N}'\nCREATE CLUSTER c;\n");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].skip_if, nullptr);
  ASSERT_NE(statements[1].skip_if, nullptr);
  const Statement& query = *statements[1].skip_if;
  EXPECT_EQ(query.text, "SELECT 1 FROM c WHERE n = '${N}'");
  EXPECT_EQ(query.start.line, 2u);
  EXPECT_EQ(query.start.column, 24u);  // after the prefix, in the file
  ASSERT_EQ(query.variables.size(), 1u);
  EXPECT_EQ(query.variables[0].context, Context::single_quoted);
  EXPECT_EQ(position_in_source(query, query.text.find("FROM")).column, 33u);
  EXPECT_EQ(source_line(query, 2), "-- shop-mzsql: skip if SELECT 1 FROM c WHERE n = '${N}'");
}

TEST(SplitStatements, AMisplacedSkipIfIsAnError) {
  for (const std::string text : {"SELECT 1\n-- shop-mzsql: skip if SELECT 1\n, 2;", "-- shop-mzsql: skip if SELECT 1\n",
                                 "-- shop-mzsql: skip if SELECT 1; SELECT 2\nSELECT 3;"}) {
    EXPECT_THROW((void)split(text), ScriptError) << text;
  }
}

TEST(SplitStatements, IfLinesGiveTheNextStatementItsConditions) {
  const auto statements = split(
      "SELECT 1;\n"
      "-- shop-mzsql: if ${MODE:-off} = off\n"
      "-- a comment between\n"
      "-- shop-mzsql: if ${CA} is not set\n"
      "SELECT 2;\n"
      "-- shop-mzsql: if ${P} in (SSL,  sasl_ssl ,SCRAM-SHA-256)\n"
      "-- shop-mzsql: skip if SELECT 1\n"
      "-- shop-mzsql: if ${CA} is set\n"
      "SELECT 3;\n");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_TRUE(statements[0].conditions.empty());
  ASSERT_EQ(statements[1].conditions.size(), 2u);
  const Condition& mode = statements[1].conditions[0];
  EXPECT_EQ(mode.name, "MODE");
  EXPECT_EQ(mode.fallback, "off");
  EXPECT_EQ(mode.kind, Condition::Kind::in);
  EXPECT_EQ(mode.words, (Texts{"off"}));
  EXPECT_EQ(mode.position.line, 2u);
  EXPECT_EQ(mode.position.column, 19u);  // its "${"
  EXPECT_EQ(statements[1].conditions[1].kind, Condition::Kind::is_not_set);
  ASSERT_EQ(statements[2].conditions.size(), 2u);
  EXPECT_EQ(statements[2].conditions[0].words, (Texts{"SSL", "sasl_ssl", "SCRAM-SHA-256"}));
  EXPECT_EQ(statements[2].conditions[1].kind, Condition::Kind::is_set);
  EXPECT_NE(statements[2].skip_if, nullptr);
}

TEST(SplitStatements, AMalformedOrMisplacedIfOrUnknownDirectiveIsAnErrorAtItsLine) {
  const std::map<std::string, std::string> cases = {
      {"-- shop-mzsql: if MODE = on\nSELECT 1;", "expected '-- shop-mzsql: if ${NAME} = WORD'"},
      {"-- shop-mzsql: if ${MODE} == on\nSELECT 1;", "expected"},
      {"-- shop-mzsql: if ${MODE} = on off\nSELECT 1;", "expected"},
      {"-- shop-mzsql: if ${MODE} = 'on'\nSELECT 1;", "expected"},
      {"-- shop-mzsql: if ${MODE} in (a, )\nSELECT 1;", "expected"},
      {"-- shop-mzsql: if ${MODE} in (a, b\nSELECT 1;", "expected"},
      {"-- shop-mzsql: if ${MODE} is\nSELECT 1;", "expected"},
      {"-- shop-mzsql: if ${MODE:-x} is set\nSELECT 1;", "'-- shop-mzsql: if ... is set' takes no default"},
      {"-- shop-mzsql: if ${MODE} is set\n", "'-- shop-mzsql: if' is not followed by a statement"},
      {"-- shop-mzsql: iff ${MODE} is set\nSELECT 1;", "unknown directive"},
  };
  for (const auto& [text, message] : cases) {
    try {
      (void)split(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const ScriptError& error) {
      EXPECT_EQ(error.message.rfind(message, 0), 0u) << text << ": " << error.message;
      EXPECT_EQ(error.position.line, 1u) << text;
      EXPECT_EQ(error.position.column, 1u) << text;
    }
  }
  try {
    (void)split("SELECT 1,\n-- shop-mzsql: if ${MODE} is set\n2;");
    ADD_FAILURE() << "no error for an if line inside a statement";
  } catch (const ScriptError& error) {
    EXPECT_EQ(error.message, "a '-- shop-mzsql: if' line must stand before its statement");
    EXPECT_EQ(error.position.line, 2u);
  }
}

bool holds(const std::string& text, const std::map<std::string, std::string>& values, std::vector<std::string>& unset) {
  const auto statements = split(text);
  EXPECT_EQ(statements.size(), 1u);
  return conditions_hold(statements.at(0), [&](const std::string& name) -> std::optional<std::string> {
    if (auto found = values.find(name); found != values.end()) return found->second;
    return std::nullopt;
  }, unset);
}

TEST(ConditionsHold, WordsCompareInAnyCaseAndDefaultsStandInForUnsetNames) {
  std::vector<std::string> unset;
  const std::string protocol = "-- shop-mzsql: if ${P:-PLAINTEXT} in (SSL, SASL_SSL)\nSELECT 1;";
  EXPECT_TRUE(holds(protocol, {{"P", "sasl_ssl"}}, unset));
  EXPECT_TRUE(holds(protocol, {{"P", "Ssl"}}, unset));
  EXPECT_FALSE(holds(protocol, {{"P", "SASL"}}, unset));
  EXPECT_FALSE(holds(protocol, {}, unset));  // the default, PLAINTEXT
  EXPECT_TRUE(holds("-- shop-mzsql: if ${P:-PLAINTEXT} = plaintext\nSELECT 1;", {}, unset));
  EXPECT_TRUE(holds("-- shop-mzsql: if ${CA} is set\nSELECT 1;", {{"CA", ""}}, unset));  // even empty
  EXPECT_FALSE(holds("-- shop-mzsql: if ${CA} is set\nSELECT 1;", {}, unset));
  EXPECT_TRUE(holds("-- shop-mzsql: if ${CA} is not set\nSELECT 1;", {}, unset));
  EXPECT_FALSE(holds("-- shop-mzsql: if ${CA} is not set\nSELECT 1;", {{"CA", "pem"}}, unset));
  EXPECT_TRUE(unset.empty());
}

TEST(ConditionsHold, AllMustHoldAndUnsetNamesCountOnlyWhenNoTestFails) {
  const std::string text =
      "-- shop-mzsql: if ${P} = SASL_SSL\n-- shop-mzsql: if ${M} in (PLAIN)\n-- shop-mzsql: if ${CA} is set\nSELECT 1;";
  std::vector<std::string> unset;
  EXPECT_TRUE(holds(text, {{"P", "SASL_SSL"}, {"M", "plain"}, {"CA", "pem"}}, unset));
  EXPECT_FALSE(holds(text, {{"P", "SASL_SSL"}, {"M", "plain"}}, unset));
  EXPECT_TRUE(unset.empty());
  EXPECT_FALSE(holds(text, {{"P", "SSL"}}, unset));  // P decides: M need not be set
  EXPECT_TRUE(unset.empty());
  EXPECT_FALSE(holds(text, {{"CA", "pem"}}, unset));  // undecided: both unset names reported
  EXPECT_EQ(unset, (std::vector<std::string>{"P", "M"}));
}

TEST(Choices, TheWordsOfAScriptsTestsAreTheValuesItAccepts) {
  const auto statements = split(
      "-- shop-mzsql: if ${P:-PLAINTEXT} = PLAINTEXT\nSELECT 1;\n"
      "-- shop-mzsql: if ${P:-PLAINTEXT} in (ssl, SASL_SSL)\n-- shop-mzsql: if ${CA} is set\nSELECT 2;\n"
      "-- shop-mzsql: if ${P:-PLAINTEXT} in (SSL, SASL_PLAINTEXT)\nSELECT 3;\n");
  const auto accepted = choices(statements);
  ASSERT_EQ(accepted.size(), 1u);  // "is set" accepts any value
  EXPECT_EQ(accepted.at("P"), (Texts{"PLAINTEXT", "ssl", "SASL_SSL", "SASL_PLAINTEXT"}));
}

TEST(Choices, ADefaultMustBeOneOfTheWordsAndTheSameInEveryTest) {
  try {
    (void)choices(split("SELECT 0;\n-- shop-mzsql: if ${P:-TLS} in (SSL, PLAINTEXT)\nSELECT 1;"));
    ADD_FAILURE() << "no error for a default no test names";
  } catch (const ScriptError& error) {
    EXPECT_EQ(error.message, "the default 'TLS' of P is none of the values its tests name");
    EXPECT_EQ(error.position.line, 2u);
    EXPECT_EQ(error.position.column, 19u);
  }
  try {
    (void)choices(split("-- shop-mzsql: if ${P:-SSL} = SSL\nSELECT 1;\n-- shop-mzsql: if ${P} = SASL\nSELECT 2;"));
    ADD_FAILURE() << "no error for two defaults";
  } catch (const ScriptError& error) {
    EXPECT_EQ(error.message, "the tests of P give it different defaults (see line 1)");
    EXPECT_EQ(error.position.line, 3u);
  }
}

TEST(SameWord, AsciiCaseInsensitive) {
  EXPECT_TRUE(same_word("SCRAM-SHA-256", "scram-sha-256"));
  EXPECT_FALSE(same_word("SSL", "SSL "));
  EXPECT_FALSE(same_word("verify_ca", "verify-ca"));
}

std::string fill(const std::string& text, const std::map<std::string, std::string>& values, bool masked,
                 std::vector<std::string>& unset) {
  const auto statements = split(text);
  EXPECT_EQ(statements.size(), 1u);
  const VariableLookup lookup = [&](const std::string& name) -> std::optional<std::string> {
    if (auto found = values.find(name); found != values.end()) return found->second;
    return std::nullopt;
  };
  return substitute(statements.at(0), lookup, is_secret_variable, masked, unset).text;
}

TEST(Substitute, FillsVariablesWithDefaultsEverywhereButComments) {
  std::vector<std::string> unset;
  EXPECT_EQ(fill("SELECT ${A}, '${B:-b}', \"${A}\", $$${A}$$ -- ${C}\n, /* ${D} */ 2", {{"A", "1"}}, false, unset),
            "SELECT 1, 'b', \"1\", $$1$$ -- ${C}\n, /* ${D} */ 2");
  EXPECT_TRUE(unset.empty());
  EXPECT_EQ(fill("SELECT ${A:-}x", {}, false, unset), "SELECT x");  // an empty default is a value
}

TEST(Substitute, EscapesValuesForTheirQuotes) {
  std::vector<std::string> unset;
  const std::map<std::string, std::string> values = {{"V", R"(it's "a\b")"}};
  EXPECT_EQ(fill("SELECT '${V}'", values, false, unset), R"(SELECT 'it''s "a\b"')");
  EXPECT_EQ(fill("SELECT E'${V}'", values, false, unset), R"(SELECT E'it''s "a\\b"')");
  EXPECT_EQ(fill("SELECT \"${V}\"", values, false, unset), R"(SELECT "it's ""a\b""")");
}

TEST(Substitute, ReportsEveryUnsetVariableOnce) {
  std::vector<std::string> unset;
  (void)fill("SELECT ${A}, ${B}, ${A}, ${C:-ok}", {}, false, unset);
  EXPECT_EQ(unset, (std::vector<std::string>{"A", "B"}));
}

TEST(Substitute, MasksSecretsWhenAskedAndMapsOffsetsBack) {
  std::vector<std::string> unset;
  const std::map<std::string, std::string> values = {{"MYSQL_PASSWORD", "hunter2"}, {"HOST", "mysql"}};
  EXPECT_EQ(fill("CREATE SECRET ${HOST} AS '${MYSQL_PASSWORD}'", values, true, unset),
            "CREATE SECRET mysql AS '****'");
  const auto statement = split("SELECT ${HOST}, nosuch")[0];
  const auto filled = substitute(statement, [&](const std::string& n) -> std::optional<std::string> {
    return values.at(n);
  }, is_secret_variable, false, unset);
  ASSERT_EQ(filled.text, "SELECT mysql, nosuch");
  EXPECT_EQ(filled.original_offset(filled.text.find("nosuch")), statement.text.find("nosuch"));
  EXPECT_EQ(filled.original_offset(filled.text.find("sql")), statement.text.find("${HOST}"));  // inside a value
  EXPECT_EQ(filled.original_offset(0), 0u);
}

TEST(IsSecretVariable, NamesHoldingPasswordSecretTokenOrKey) {
  EXPECT_TRUE(is_secret_variable("MYSQL_PASSWORD"));
  EXPECT_TRUE(is_secret_variable("api_token"));
  EXPECT_TRUE(is_secret_variable("SASL_SECRET"));
  EXPECT_TRUE(is_secret_variable("SSL_KEY"));
  EXPECT_FALSE(is_secret_variable("MYSQL_HOST"));
  EXPECT_FALSE(is_secret_variable("LOW_STOCK_THRESHOLD"));
}

}  // namespace
}  // namespace shop::mzsql
