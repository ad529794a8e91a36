#!/usr/bin/env bash
# rewrite_for_postgres.sh < (shop-mzsql --dry-run output of sql/materialize files)
#
# The small, documented rewrite that lets PostgreSQL run the demo's view definitions
# (materialize_views_test.sh). Everything else is left exactly as Materialize gets it.
#   1. Statements that create Materialize-only objects are dropped: CREATE CLUSTER, ALTER ROLE,
#      CREATE/ALTER SECRET, CREATE CONNECTION, CREATE SOURCE, CREATE INDEX. The test
#      creates tables with the sources' names and columns instead.
#   2. CREATE MATERIALIZED VIEW IF NOT EXISTS v IN CLUSTER c AS -> CREATE VIEW v AS, and
#      CREATE VIEW IF NOT EXISTS v AS -> CREATE VIEW v AS (PostgreSQL has no clusters and
#      no IF NOT EXISTS for views).
#   3. mz_now() -> TIMESTAMP '2026-01-01 12:00:00', the test's fixed "now": a temporal
#      filter evaluated at one instant.
# Fails if a statement cannot be told apart (shop-mzsql --dry-run separates statements
# by a blank line after a "-- file:line" line; a blank line inside one would break that).
set -euo pipefail

awk 'BEGIN { RS = ""; ORS = "\n\n" }
{
  if ($0 !~ /^-- [^\n]*:[0-9]+\n/) {
    print "rewrite_for_postgres: a statement without its -- file:line line (a blank line inside it?)" > "/dev/stderr"
    failed = 1
    exit 1
  }
  body = $0
  sub(/^-- [^\n]*\n/, "", body)
  sub(/^-- shop-mzsql: skip if [^\n]*\n/, "", body)
  if (body ~ /^(CREATE (CLUSTER|SECRET|CONNECTION|SOURCE|INDEX)|ALTER (SECRET|ROLE)) /) next
  print body
}
END { exit failed }' |
  sed -e 's/^CREATE MATERIALIZED VIEW IF NOT EXISTS \([a-z_0-9]*\) IN CLUSTER [a-z_0-9]* AS$/CREATE VIEW \1 AS/' \
    -e 's/^CREATE VIEW IF NOT EXISTS \([a-z_0-9]*\) AS$/CREATE VIEW \1 AS/' \
    -e "s/mz_now()/TIMESTAMP '2026-01-01 12:00:00'/g"
