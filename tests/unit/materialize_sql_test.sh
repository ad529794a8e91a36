#!/usr/bin/env bash
# Static checks of sql/materialize (no server): no syntax Materialize removed, every
# statement idempotent, every variable defaulted but the documented required one.
#   materialize_sql_test.sh SHOP_MZSQL
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly MZSQL=${1:?usage: materialize_sql_test.sh SHOP_MZSQL}
readonly SQL_DIR=$REPO_ROOT/sql/materialize

# Removed from Materialize (../shared/MATERIALIZE.md): the original demo's syntax.
for removed in 'KAFKA BROKER' 'FORMAT BYTES' 'mz_logical_timestamp' 'MATERIALIZED SOURCE' 'WITH (SIZE' 'convert_from'; do
  if grep -rniF -- "$removed" "$SQL_DIR" >"$WORK_DIR/hits"; then
    not_ok "removed syntax '$removed' in: $(head -n 3 "$WORK_DIR/hits")"
  else
    ok "no '$removed'"
  fi
done
if grep -rniwE -- 'TAIL' "$SQL_DIR" >"$WORK_DIR/hits"; then not_ok "TAIL in: $(head -n 3 "$WORK_DIR/hits")"; else
  ok "no TAIL (SUBSCRIBE replaced it)"
fi

for variant in "$SQL_DIR" "$SQL_DIR/debezium"; do
  name=${variant#"$REPO_ROOT/"}
  # Only MYSQL_PASSWORD is required; everything else has a default.
  (cd "$REPO_ROOT" && env -u MYSQL_PASSWORD "$MZSQL" --dry-run "$name" >/dev/null 2>"$WORK_DIR/err") || true
  expect_eq "$name: the only required variable is MYSQL_PASSWORD" \
    "shop-mzsql: error: unset variable: MYSQL_PASSWORD ($name/01_connections.sql:20); set with --var NAME=VALUE or in the environment" \
    "$(cat "$WORK_DIR/err")"
  MYSQL_PASSWORD=x "$MZSQL" --dry-run "$variant" >"$WORK_DIR/statements" || die "$name: --dry-run failed"
  # Every statement can be applied again: CREATE ... IF NOT EXISTS, a skip-if line before
  # it, or ALTER SECRET (which sets the same value again).
  awk 'BEGIN { RS = "" }
    {
      body = $0
      guarded = sub(/^-- [^\n]*\n-- shop-mzsql: skip if [^\n]*\n/, "", body)
      if (!guarded) sub(/^-- [^\n]*\n/, "", body)
      if (guarded || body ~ /^ALTER SECRET / || body ~ /^ALTER ROLE [a-z_]+ SET / || body ~ /^CREATE [A-Z ]*IF NOT EXISTS /) next
      print "not idempotent: " substr(body, 1, 60)
    }' "$WORK_DIR/statements" >"$WORK_DIR/not_idempotent"
  expect_eq "$name: every statement can be applied again" "" "$(cat "$WORK_DIR/not_idempotent")"
  expect_match "$name: applies the sources, views and indexes" \
    '^(4[0-9]|5[0-9])$' "$(grep -c '^-- .*\.sql:[0-9]*$' "$WORK_DIR/statements")"
done

# The Debezium directory shares every file but its sources: links, not copies.
for file in "$SQL_DIR"/0*.sql; do
  base=$(basename -- "$file")
  [[ $base == 02_mysql_sources.sql ]] && continue
  expect_eq "debezium/$base links to the shared file" "../$base" "$(readlink "$SQL_DIR/debezium/$base" || true)"
done

# Nothing over the page views keeps all of them: every view that reads pageviews goes
# through recent_pageviews, whose temporal filter bounds it to the last hour.
expect_eq "only recent_pageviews reads the page views stream" "recent_pageviews" \
  "$(awk 'BEGIN { RS = ";" } /FROM pageviews([^_]|$)/ { if (match($0, /VIEW IF NOT EXISTS [a-z_]+/)) print substr($0, RSTART + 19, RLENGTH - 19) }' "$SQL_DIR/04_views.sql" | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_match "recent_pageviews has a temporal filter" "mz_now\\(\\) <= received_at \\+ INTERVAL '1 hour'" \
  "$(awk 'BEGIN { RS = ";" } /VIEW IF NOT EXISTS recent_pageviews/' "$SQL_DIR/04_views.sql")"
