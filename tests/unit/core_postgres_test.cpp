// core/postgres.cpp: value formatting for structured output (no server).
#include "core/postgres.hpp"

#include <gtest/gtest.h>

namespace shop {
namespace {

std::string json(std::string_view value, ColumnKind kind) {
  std::string out;
  append_json_value(out, value, kind);
  return out;
}

TEST(ColumnKind, FollowsTheBuiltInTypeOids) {
  EXPECT_EQ(column_kind(16), ColumnKind::boolean);
  for (const Oid number : {20u, 21u, 23u, 26u, 700u, 701u, 1700u}) EXPECT_EQ(column_kind(number), ColumnKind::number);
  EXPECT_EQ(column_kind(114), ColumnKind::json);
  EXPECT_EQ(column_kind(3802), ColumnKind::json);
  EXPECT_EQ(column_kind(25), ColumnKind::text);    // text
  EXPECT_EQ(column_kind(1114), ColumnKind::text);  // timestamp
}

TEST(AppendJsonValue, NumbersBooleansJsonAndStrings) {
  EXPECT_EQ(json("42", ColumnKind::number), "42");
  EXPECT_EQ(json("-1.50", ColumnKind::number), "-1.50");
  EXPECT_EQ(json("NaN", ColumnKind::number), "\"NaN\"");  // no JSON number for these
  EXPECT_EQ(json("-Infinity", ColumnKind::number), "\"-Infinity\"");
  EXPECT_EQ(json("t", ColumnKind::boolean), "true");
  EXPECT_EQ(json("f", ColumnKind::boolean), "false");
  EXPECT_EQ(json(R"({"a": [1]})", ColumnKind::json), R"({"a": [1]})");
  EXPECT_EQ(json("say \"hi\"\n", ColumnKind::text), R"("say \"hi\"\n")");
}

TEST(AppendCsvField, QuotesOnlyWhenNeeded) {
  std::string out;
  append_csv_field(out, "plain");
  out += ',';
  append_csv_field(out, "a,b");
  out += ',';
  append_csv_field(out, "say \"hi\"");
  out += ',';
  append_csv_field(out, "two\nlines");
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
}

TEST(AppendTsvField, UsesCopyTextEscapes) {
  std::string out;
  append_tsv_field(out, "a\tb\nc\\d\re");
  EXPECT_EQ(out, R"(a\tb\nc\\d\re)");
}

TEST(DescribePostgresTarget, MasksPasswordsAndNamesTheEnvironment) {
  EXPECT_EQ(describe_postgres_target("postgres://u:secret@h:5432/db"), "postgres://u:****@h:5432/db");
  EXPECT_EQ(describe_postgres_target(""), "the PG* environment");
  EXPECT_EQ(describe_postgres_target("host=h password=secret user=u").find("secret"), std::string::npos);
}

}  // namespace
}  // namespace shop
