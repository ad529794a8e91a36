#!/usr/bin/env bash
# bench/purchases_tls.sh: what TLS costs shop-purchases, with and without it on the same
# MariaDB in the same run (issue 21).
#   shop-purchases --rate max --batch 1 (1 connection) and --batch 500 (2 connections),
#   each with ssl-mode=DISABLED and with ssl-mode=VERIFY_IDENTITY (the harness CA), on
#   the same seeded database; rounds alternate the order, the best round of each counts.
#   Prints purchases/s of each and ratio=<TLS / plain> per batch size; the last line is
#   ratio=<the smaller of the two>.
#
#   bench/purchases_tls.sh
#   SECONDS_PER_RUN=5 ROUNDS=2 bench/purchases_tls.sh
#
# Uses the Release build (build/bin) and its own mariadb-tls through scripts/services.sh
# in $SHOP_SERVICES_DIR (default /tmp/shopstream-bench). That server requires TLS; this
# script turns require_secure_transport off for the plain runs and on again at the end.
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=purchases_tls.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

seconds=${SECONDS_PER_RUN:-10}
rounds=${ROUNDS:-3}
bin=build/bin
work=$(mktemp -d)
bench_on_exit "rm -rf -- '$work'"
larger() { calc "($1 > $2) ? $1 : $2"; }
json_number() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }

bench_release_build shop-seed shop-purchases
bench_start_service mariadb-tls MYSQL_TLS_URL
hostport=${MYSQL_TLS_URL#mysql://*@}
hostport=${hostport%%/*}
port=${hostport##*:}
client=(mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$port" -u root --ssl --ssl-ca="$SHOP_TLS_DIR/ca.pem")
"${client[@]}" -e 'SET GLOBAL require_secure_transport = OFF'
bench_on_exit "${client[*]} -e 'SET GLOBAL require_secure_transport = ON' 2>/dev/null || true"  # if services.sh did not stop it first

base="mysql://root@127.0.0.1:$port/bench_purchases_tls"
declare -A url=(
  [plain]="$base?ssl-mode=DISABLED"
  [tls]="$base?ssl-mode=VERIFY_IDENTITY&ssl-ca=$SHOP_TLS_DIR/ca.pem"
)
"${client[@]}" -e 'DROP DATABASE IF EXISTS bench_purchases_tls'
"$bin/shop-seed" -q --mysql "${url[tls]}" --users 10000 --items 1000 --inventory 1000000000:1000000000 ||
  die "shop-seed failed"

run_purchases() {  # MODE BATCH CONNECTIONS: prints committed purchases/s
  "$bin/shop-purchases" -q --mysql "${url[$1]}" --rate max --batch "$2" --connections "$3" --duration "${seconds}s" \
    --summary-json "$work/summary.json" || die "shop-purchases ($1) failed"
  calc "$(json_number "$work/summary.json" committed) / $(json_number "$work/summary.json" seconds)"
}

smallest=
for setting in "1 1" "500 2"; do
  read -r batch connections <<<"$setting"
  best_plain=0
  best_tls=0
  for ((round = 1; round <= rounds; round++)); do
    order=(plain tls)
    ((round % 2 == 0)) && order=(tls plain)
    for mode in "${order[@]}"; do
      rate=$(run_purchases "$mode" "$batch" "$connections")
      printf 'batch %s, %s connection(s), round %d, %-5s %10.0f purchases/s\n' "$batch" "$connections" "$round" \
        "$mode:" "$rate"
      if [[ $mode == plain ]]; then best_plain=$(larger "$best_plain" "$rate"); else best_tls=$(larger "$best_tls" "$rate"); fi
    done
  done
  ratio=$(calc "$best_tls / $best_plain")
  printf 'batch %s: plain %.0f/s, TLS (VERIFY_IDENTITY) %.0f/s: ratio=%.3f\n' "$batch" "$best_plain" "$best_tls" "$ratio"
  if [[ -z $smallest ]] || awk "BEGIN { exit !($ratio < $smallest) }"; then smallest=$ratio; fi
done
printf 'ratio=%.3f\n' "$smallest"
