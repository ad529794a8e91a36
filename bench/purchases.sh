#!/usr/bin/env bash
# bench/purchases.sh: shop-purchases against sysbench on the same MariaDB, same run.
#   1. shop-purchases --rate max --batch 1 vs sysbench oltp_insert (single-row autocommit
#      inserts) at the same number of connections: rows/s of each. Goal: ratio >= 0.9.
#   2. shop-purchases --rate max --batch 500: purchases/s. Goal: >= 50,000.
#
#   bench/purchases.sh                         # 4 connections, 10 s per run, 3 rounds
#   CONNECTIONS=1 SECONDS_PER_RUN=5 ROUNDS=2 bench/purchases.sh
#
# Uses the Release build (build/bin; built if missing) and its own MariaDB through
# scripts/services.sh in $SHOP_SERVICES_DIR (default /tmp/shopstream-bench), stopped at
# the end if it started it. Rounds alternate the order; the best round of each counts.
# Each purchase does more than sysbench's insert: its stock update and insert commit
# together, with the purchase's id read before COMMIT so a lost COMMIT can be resolved.
# Last line: ratio=<shop-purchases rows/s / sysbench rows/s> (part 1).
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=purchases.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

connections=${CONNECTIONS:-4}
seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
bin=build/bin
work=$(mktemp -d)
bench_on_exit "rm -rf -- '$work'"
json_number() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }

command -v sysbench >/dev/null || die "sysbench is missing (apt-get install sysbench)"
bench_release_build shop-seed shop-purchases
bench_start_mariadb
host=$BENCH_HOST
port=$BENCH_PORT
client=("${BENCH_CLIENT[@]}")
url="mysql://root@$host:$port/bench_purchases"
sysbench_cmd=(sysbench --db-driver=mysql --mysql-host="$host" --mysql-port="$port" --mysql-user=root
  --mysql-db=bench_sysbench --tables=1 --table-size=10000)

# Stock that cannot run out, so every completed purchase really updates an item.
"${client[@]}" -e 'DROP DATABASE IF EXISTS bench_purchases; DROP DATABASE IF EXISTS bench_sysbench; CREATE DATABASE bench_sysbench'
"$bin/shop-seed" -q --mysql "$url" --inventory 1000000000:1000000000 || die "shop-seed failed"
"${sysbench_cmd[@]}" oltp_insert prepare >/dev/null || die "sysbench prepare failed"

run_purchases() {  # prints committed rows/s
  "$bin/shop-purchases" -q --mysql "$url" --rate max --batch "$1" --connections "$2" --duration "${seconds}s" \
    --summary-json "$work/summary.json" || die "shop-purchases failed"
  calc "$(json_number "$work/summary.json" committed) / $(json_number "$work/summary.json" seconds)"
}

run_sysbench() {  # prints inserted rows/s
  local out
  out=$("${sysbench_cmd[@]}" --threads="$connections" --time="$seconds" oltp_insert run) || die "sysbench failed"
  sed -n 's/.*write: *\([0-9]*\).*/\1/p' <<<"$out" >"$work/writes"
  local total
  total=$(sed -n 's/^ *total time: *\([0-9.]*\)s/\1/p' <<<"$out")
  calc "$(cat "$work/writes") / $total"
}

printf 'part 1: --batch 1 vs sysbench oltp_insert, %d connection(s), %d s per run, %d rounds, MariaDB %s:%s\n' \
  "$connections" "$seconds" "$rounds" "$host" "$port"
best_shop=0
best_sysbench=0
for ((round = 1; round <= rounds; ++round)); do
  if ((round % 2)); then
    shop=$(run_purchases 1 "$connections")
    sb=$(run_sysbench)
  else
    sb=$(run_sysbench)
    shop=$(run_purchases 1 "$connections")
  fi
  printf 'round %d: shop-purchases %.0f rows/s, sysbench %.0f rows/s\n' "$round" "$shop" "$sb"
  best_shop=$(calc "($shop > $best_shop) ? $shop : $best_shop")
  best_sysbench=$(calc "($sb > $best_sysbench) ? $sb : $best_sysbench")
done

printf 'part 2: --batch 500, 2 connections, %d s\n' "$seconds"
batch_rate=$(run_purchases 500 2)
verdict=met
if awk "BEGIN { exit !($batch_rate < 50000) }"; then verdict="NOT met"; fi
printf 'shop-purchases --batch 500: %.0f purchases/s (goal >= 50000: %s)\n' "$batch_rate" "$verdict"

"${sysbench_cmd[@]}" oltp_insert cleanup >/dev/null
"${client[@]}" -e 'DROP DATABASE IF EXISTS bench_purchases; DROP DATABASE IF EXISTS bench_sysbench'
printf 'shop-purchases --batch 1: %.0f rows/s (best of %d)\n' "$best_shop" "$rounds"
printf 'sysbench oltp_insert:     %.0f rows/s (best of %d)\n' "$best_sysbench" "$rounds"
printf 'ratio=%.3f\n' "$(calc "$best_shop / $best_sysbench")"
