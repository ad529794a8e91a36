#!/usr/bin/env bash
# local-views.sh — the demo's views without Materialize: a PostgreSQL database (made
# afresh, so it can be run again) holding stand-ins for the sources over a small fixed
# data set ("now" is 2026-01-01 12:00:00 there) and the demo's own view definitions,
# rewritten where only Materialize understands them. The data changes only when you
# change it (psql, UPDATE mysql_items ...); the views then follow at once.
#
#   eval "$(scripts/services.sh start postgres)"   # or any PostgreSQL in $DATABASE_URL
#   eval "$(scripts/local-views.sh)"               # sets SHOP_VIEWS_URL
#   build/bin/shop-serve --mode poll --url "$SHOP_VIEWS_URL"
#
#   scripts/local-views.sh [DATABASE]   the database to (re)create (default shop_views)
# Environment: DATABASE_URL (a server's URL, required), SHOP_MZSQL (default
# build/bin/shop-mzsql), LOW_STOCK_THRESHOLD (as the demo's SQL takes it).
# Prints `export SHOP_VIEWS_URL='...'` on stdout; errors on stderr, exit 1.
set -euo pipefail

readonly PROG=local-views.sh
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
readonly STANDINS=$REPO_ROOT/tests/integration/materialize
die() {
  printf '%s: error: %s\n' "$PROG" "$1" >&2
  exit 1
}

case ${1:-} in -h | --help) sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;; esac
readonly DB=${1:-shop_views}
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "'$DB' is not a plain database name (lower case letters, digits, _)"
[[ -n ${DATABASE_URL:-} ]] ||
  die "DATABASE_URL is not set: start PostgreSQL first (eval \"\$(scripts/services.sh start postgres)\")"
[[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]] ||
  die "DATABASE_URL must be a postgres:// URL here (the database part is replaced by $DB)"
# The URL goes to stdout for eval: a password in it would be printed.
[[ ${DATABASE_URL#*://} =~ ^[^/@]*:[^/@]*@ ]] &&
  die "DATABASE_URL holds a password: give it in PGPASSWORD or ~/.pgpass instead (it would be printed)"
readonly MZSQL=${SHOP_MZSQL:-$REPO_ROOT/build/bin/shop-mzsql}
[[ -x $MZSQL ]] || die "no $MZSQL: build first (cmake --preset release && cmake --build --preset release)"

# The server's URL with its database replaced (query parameters, e.g. sslmode, kept).
base=${DATABASE_URL%%\?*}
query=${DATABASE_URL#"$base"}
authority=${base#*://}
[[ $authority == */* ]] && base=${base%/*}
readonly views_url=$base/$DB$query

# WITH (FORCE): a shop-serve still connected to the old database must not stop a re-run.
"$MZSQL" -q --url "$DATABASE_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" ||
  die "could not create the database $DB"
"$MZSQL" -q --url "$views_url" "$STANDINS/source_tables.sql" || die "could not load the source stand-ins"
"$MZSQL" --dry-run "$REPO_ROOT/sql/materialize/02_mysql_sources.sql" "$REPO_ROOT/sql/materialize/03_pageviews.sql" \
  "$REPO_ROOT/sql/materialize/04_views.sql" | "$STANDINS/rewrite_for_postgres.sh" | "$MZSQL" -q --url "$views_url" - ||
  die "could not create the views"
printf '%s: the demo'"'"'s views are in %s\n' "$PROG" "$DB" >&2
printf "export SHOP_VIEWS_URL='%s'\n" "$views_url"
