#!/usr/bin/env bash
# bench/purchases.sh: shop-purchases against sysbench on the same MariaDB, same run.
#   1. shop-purchases --rate max --batch 1 vs sysbench running the same transaction
#      (bench/purchase_transaction.lua: the guarded stock UPDATE, the INSERT, COMMIT;
#      abandoned carts without the UPDATE) on the same seeded database, at 1 and at 4
#      connections: purchases/s of each. sysbench replays the purchases a warm-up run of
#      shop-purchases wrote (same users, items, quantities), so both meet the same row
#      lock contention on popular items. Goal: ratio >= 0.9 at each connection count.
#   2. For information, at 4 connections: sysbench with uniform item choice (less
#      contention than the shop's popular items), and sysbench oltp_insert (one
#      autocommit INSERT, less work than a purchase: the figure this bench used to use).
#   3. shop-purchases --rate max --batch 500 at 2 connections: purchases/s. Goal: >= 100,000.
#
#   bench/purchases.sh                                # 1 and 4 connections, 10 s per run, 3 rounds
#   CONNECTIONS="1 2 4" SECONDS_PER_RUN=5 ROUNDS=2 bench/purchases.sh
#
# Uses the Release build (build/bin; built if missing) and its own MariaDB through
# scripts/services.sh in $SHOP_SERVICES_DIR (default /tmp/shopstream-bench), stopped at
# the end if it started it. Rounds alternate the order; the best round of each counts.
# Prints one ratio line per connection count; the last line is
# ratio=<the smallest of them> (shop-purchases purchases/s / sysbench purchases/s).
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=purchases.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

connection_counts=${CONNECTIONS:-1 4}
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
sysbench_connection=(--db-driver=mysql --mysql-host="$host" --mysql-port="$port" --mysql-user=root)
sysbench_insert=(sysbench "${sysbench_connection[@]}" --mysql-db=bench_sysbench --tables=1 --table-size=10000)
sysbench_purchase=(sysbench bench/purchase_transaction.lua "${sysbench_connection[@]}" --mysql-db=bench_purchases
  --items=1000 --users=10000)
stream=$work/purchases.tsv

# Stock that cannot run out, so every completed purchase really updates an item.
"${client[@]}" -e 'DROP DATABASE IF EXISTS bench_purchases; DROP DATABASE IF EXISTS bench_sysbench; CREATE DATABASE bench_sysbench'
"$bin/shop-seed" -q --mysql "$url" --users 10000 --items 1000 --inventory 1000000000:1000000000 || die "shop-seed failed"
"${sysbench_insert[@]}" oltp_insert prepare >/dev/null || die "sysbench prepare failed"

run_purchases() {  # BATCH CONNECTIONS: prints committed purchases/s
  "$bin/shop-purchases" -q --mysql "$url" --rate max --batch "$1" --connections "$2" --duration "${seconds}s" \
    --summary-json "$work/summary.json" || die "shop-purchases failed"
  calc "$(json_number "$work/summary.json" committed) / $(json_number "$work/summary.json" seconds)"
}

# sysbench_rate COUNTER OUTPUT: COUNTER's total (e.g. "transactions", "write") per second.
sysbench_rate() {
  local total events
  total=$(sed -n 's/^ *total time: *\([0-9.]*\)s/\1/p' <<<"$2")
  events=$(sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" <<<"$2" | head -n 1)
  [[ -n $total && -n $events ]] || die "cannot read sysbench's $1 count: $(tail -n 5 <<<"$2")"
  calc "$events / $total"
}

run_sysbench_purchase() {  # CONNECTIONS [uniform]: prints committed transactions (purchases)/s
  local out replay=(--purchases="$stream")
  [[ ${2:-} == uniform ]] && replay=()
  out=$("${sysbench_purchase[@]}" "${replay[@]}" --threads="$1" --time="$seconds" run 2>&1) ||
    die "sysbench failed: $(tail -n 3 <<<"$out")"
  sysbench_rate transactions "$out"
}

run_sysbench_insert() {  # CONNECTIONS: prints inserted rows/s
  local out
  out=$("${sysbench_insert[@]}" --threads="$1" --time="$seconds" oltp_insert run 2>&1) || die "sysbench failed: $(tail -n 3 <<<"$out")"
  sysbench_rate write "$out"
}

# The purchases sysbench replays: a warm-up run of shop-purchases at 4 connections (it
# also warms the buffer pool), read back in the order they were written.
run_purchases 1 4 >/dev/null
"${client[@]}" -N -B -e 'SELECT user_id, item_id, quantity, status FROM bench_purchases.purchases ORDER BY id' >"$stream"
printf 'part 1: --batch 1 vs sysbench running the same transaction on the same %d purchases, %d s per run, %d rounds, MariaDB %s:%s\n' \
  "$(wc -l <"$stream")" "$seconds" "$rounds" "$host" "$port"
ratios=()
for connections in $connection_counts; do
  best_shop=0
  best_sysbench=0
  for ((round = 1; round <= rounds; ++round)); do
    if ((round % 2)); then
      shop=$(run_purchases 1 "$connections")
      sb=$(run_sysbench_purchase "$connections")
    else
      sb=$(run_sysbench_purchase "$connections")
      shop=$(run_purchases 1 "$connections")
    fi
    printf '%d connection(s), round %d: shop-purchases %.0f purchases/s, sysbench %.0f purchases/s\n' \
      "$connections" "$round" "$shop" "$sb"
    bench_greater "$shop" "$best_shop" && best_shop=$shop
    bench_greater "$sb" "$best_sysbench" && best_sysbench=$sb
  done
  ratio=$(calc "$best_shop / $best_sysbench")
  ratios+=("$ratio")
  printf 'ratio at %d connection(s): %.3f (shop-purchases %.0f, sysbench %.0f purchases/s, best of %d; goal >= 0.9)\n' \
    "$connections" "$ratio" "$best_shop" "$best_sysbench" "$rounds"
done

printf 'part 2 (information), 4 connections:\n'
printf 'sysbench, the same transaction, uniform item choice: %.0f purchases/s\n' "$(run_sysbench_purchase 4 uniform)"
printf 'sysbench oltp_insert, one autocommit INSERT per event: %.0f rows/s\n' "$(run_sysbench_insert 4)"

printf 'part 3: --batch 500, 2 connections, %d s\n' "$seconds"
batch_rate=$(run_purchases 500 2)
verdict=met
bench_greater 100000 "$batch_rate" && verdict="NOT met"
printf 'shop-purchases --batch 500: %.0f purchases/s (goal >= 100000: %s)\n' "$batch_rate" "$verdict"

"${sysbench_insert[@]}" oltp_insert cleanup >/dev/null
"${client[@]}" -e 'DROP DATABASE IF EXISTS bench_purchases; DROP DATABASE IF EXISTS bench_sysbench'
smallest=${ratios[0]}
for ratio in "${ratios[@]}"; do bench_greater "$smallest" "$ratio" && smallest=$ratio; done
printf 'ratio=%.3f\n' "$smallest"
