#!/usr/bin/env bash
# bench/seed.sh: shop-seed against LOAD DATA LOCAL INFILE of the identical rows by the
# mariadb client, on the same MariaDB in the same run. Goal: ratio >= 0.8.
#
#   bench/seed.sh                 # 1,000,000 users + 1,000 items, 3 rounds
#   USERS=200000 ROUNDS=5 bench/seed.sh
#
# Uses a Release build (build/bin/shop-seed; built if missing) and starts its own MariaDB
# through scripts/services.sh in $SHOP_SERVICES_DIR (default /tmp/shopstream-bench),
# stopped again at the end. Each round times, as wall clock of the whole process:
#   shop-seed: connect, create schema, generate and load all rows, commit;
#   peer:      mariadb client: create schema, LOAD DATA LOCAL INFILE both tables, commit,
#              from TSV files exported beforehand from shop-seed's own tables
#              (so both load byte-identical rows; checked by CHECKSUM TABLE).
# The order alternates between rounds; the best round of each side counts.
# Last line: ratio=<shop-seed rows/s / LOAD DATA rows/s>.
set -euo pipefail
shopt -s inherit_errexit  # a failing command inside $(...) must fail the run, not time it

readonly PROG=seed.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

users=${USERS:-1000000}
items=${ITEMS:-1000}
rounds=${ROUNDS:-3}
seed_bin=build/bin/shop-seed
work=$(mktemp -d)
bench_on_exit "rm -rf -- '$work'"

bench_release_build shop-seed
bench_start_mariadb
host=$BENCH_HOST
port=$BENCH_PORT
client=("${BENCH_CLIENT[@]}")

now_ns() { date +%s%N; }

run_seed() {
  "${client[@]}" -e 'DROP DATABASE IF EXISTS bench_seed'
  local start end
  start=$(now_ns)
  "$seed_bin" -q --users "$users" --items "$items" --mysql "mysql://root@$host:$port/bench_seed" ||
    die "shop-seed failed"
  end=$(now_ns)
  echo $((end - start))
}

run_load_data() {
  "${client[@]}" -e 'DROP DATABASE IF EXISTS bench_load'
  local start end
  start=$(now_ns)
  {
    printf 'CREATE DATABASE bench_load; USE bench_load;\n'
    cat sql/mysql/schema.sql
    printf "SET time_zone = '+00:00'; START TRANSACTION;\n"
    printf "LOAD DATA LOCAL INFILE '%s' INTO TABLE items;\n" "$work/items.tsv"
    printf "LOAD DATA LOCAL INFILE '%s' INTO TABLE users;\n" "$work/users.tsv"
    printf 'COMMIT;\n'
  } | "${client[@]}" --local-infile=1 || die "LOAD DATA through the mariadb client failed"
  end=$(now_ns)
  echo $((end - start))
}

rows=$((users + items))
printf 'seeding %d users + %d items, %d rounds, MariaDB at %s:%s\n' "$users" "$items" "$rounds" "$host" "$port"

# The peer's input: exactly the rows shop-seed writes, exported from its own tables.
run_seed >/dev/null
"${client[@]}" -N -B -e "SET time_zone = '+00:00'; SELECT * FROM bench_seed.items ORDER BY id" >"$work/items.tsv"
"${client[@]}" -N -B -e "SET time_zone = '+00:00'; SELECT * FROM bench_seed.users ORDER BY id" >"$work/users.tsv"

best_seed=
best_load=
for ((round = 1; round <= rounds; ++round)); do
  if ((round % 2)); then
    seed_ns=$(run_seed)
    load_ns=$(run_load_data)
  else
    load_ns=$(run_load_data)
    seed_ns=$(run_seed)
  fi
  printf 'round %d: shop-seed %.2f s, LOAD DATA %.2f s\n' "$round" "$(calc "$seed_ns / 1e9")" "$(calc "$load_ns / 1e9")"
  if [[ -z $best_seed || $seed_ns -lt $best_seed ]]; then best_seed=$seed_ns; fi
  if [[ -z $best_load || $load_ns -lt $best_load ]]; then best_load=$load_ns; fi
done

checksums=$("${client[@]}" -N -B -e 'CHECKSUM TABLE bench_seed.users, bench_load.users, bench_seed.items, bench_load.items' | cut -f2 | tr '\n' ' ')
read -r seed_users load_users seed_items load_items <<<"$checksums"
[[ $seed_users == "$load_users" && $seed_items == "$load_items" ]] || die "the two loads differ (checksums: $checksums)"
"${client[@]}" -e 'DROP DATABASE IF EXISTS bench_seed; DROP DATABASE IF EXISTS bench_load'

seed_rate=$(calc "$rows / ($best_seed / 1e9)")
load_rate=$(calc "$rows / ($best_load / 1e9)")
printf 'shop-seed: %.0f rows/s (best of %d)\n' "$seed_rate" "$rounds"
printf 'LOAD DATA: %.0f rows/s (best of %d)\n' "$load_rate" "$rounds"
printf 'content identical (CHECKSUM TABLE)\n'
printf 'ratio=%.3f\n' "$(calc "$seed_rate / $load_rate")"
