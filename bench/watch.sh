#!/usr/bin/env bash
# bench/watch.sh: shop-watch against psql reading the same 1,000,000-row result from the
# same PostgreSQL, same run: `shop-watch --mode poll --format changes --count ROWS` (its
# first poll emits every row as a change) and `psql -A -t` printing the query unaligned,
# both to /dev/null. Goals: time <= 1.5 x psql's, peak RSS <= 3 x psql's.
#
#   bench/watch.sh                  # 1,000,000 rows, 5 rounds
#   ROWS=200000 ROUNDS=3 bench/watch.sh
#
# Uses the Release build (build/bin; built if missing) and its own PostgreSQL through
# scripts/services.sh in $SHOP_SERVICES_DIR (default /tmp/shopstream-bench), stopped at
# the end if it started it. Rounds alternate; the best of each counts.
# Last line: ratio=<shop-watch seconds / psql seconds>.
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=watch.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

rows=${ROWS:-1000000}
rounds=${ROUNDS:-5}
bin=build/bin
work=$(mktemp -d)
bench_on_exit "rm -rf -- '$work'"

bench_release_build shop-watch
bench_start_postgres
url=$BENCH_PG_URL
query="SELECT * FROM bench_watch_rows"
# Rows like a view's: an id, a name, a category, two numbers.
psql -X -q -v ON_ERROR_STOP=1 "$url" -c "DROP TABLE IF EXISTS bench_watch_rows;
  CREATE TABLE bench_watch_rows AS
    SELECT g AS item_id, 'item ' || g AS name, (ARRAY['widgets','gadgets','doodads','clearance'])[1 + g % 4] AS category,
           g % 997 AS orders, round((g % 10007) * 1.37, 2) AS revenue
    FROM generate_series(1, $rows) AS g" -c "VACUUM ANALYZE bench_watch_rows" || die "cannot create the table"

run_shop() { bench_timed "$work" shop-watch /dev/null "$bin/shop-watch" -q --url "$url" --mode poll --format changes --count "$rows" "$query"; }
run_psql() { bench_timed "$work" psql /dev/null psql -X -A -t -q "$url" -c "$query"; }

# Both print every row: check the line counts once.
[[ $("$bin/shop-watch" -q --url "$url" --mode poll --format changes --count "$rows" "$query" | wc -l) == "$rows" ]] ||
  die "shop-watch did not print $rows changes"
[[ $(psql -X -A -t -q "$url" -c "$query" | wc -l) == "$rows" ]] || die "psql did not print $rows rows"

best_shop=0 best_psql=0 shop_rss=0 psql_rss=0
# A lower time is better; 0 means none yet.
lower() { [[ $2 == 0 ]] || bench_greater "$2" "$1"; }
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then order=(shop psql); else order=(psql shop); fi
  for tool in "${order[@]}"; do
    read -r seconds rss < <("run_$tool")
    printf 'round %d: %-10s %6.2f s  peak RSS %7.1f MB\n' "$round" \
      "$([[ $tool == shop ]] && echo shop-watch || echo psql)" "$seconds" "$(calc "$rss / 1024")"
    if [[ $tool == shop ]]; then
      lower "$seconds" "$best_shop" && best_shop=$seconds
      ((rss > shop_rss)) && shop_rss=$rss
    else
      lower "$seconds" "$best_psql" && best_psql=$seconds
      ((rss > psql_rss)) && psql_rss=$rss
    fi
  done
done

printf 'best: shop-watch %.2f s, psql %.2f s (%s rows, %d rounds)\n' "$best_shop" "$best_psql" "$rows" "$rounds"
printf 'peak RSS: shop-watch %.1f MB, psql %.1f MB: %.2f x (goal <= 3)\n' \
  "$(calc "$shop_rss / 1024")" "$(calc "$psql_rss / 1024")" "$(calc "$shop_rss / $psql_rss")"
printf 'ratio=%.3f\n' "$(calc "$best_shop / $best_psql")"
