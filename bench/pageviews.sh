#!/usr/bin/env bash
# bench/pageviews.sh: shop-pageviews against kcat producing the same messages to the same
# broker, same run. shop-pageviews sends COUNT events with --rate max; kcat sends the
# identical messages (shop-pageviews --output stdout --with-key of the same seed, written
# to a file beforehand) with the same producer settings (idempotent, acks=all). Each to a
# fresh topic on the Kafka dev broker; every message's delivery is checked from the
# topics' end offsets. Time is wall-clock from start to exit (both wait for every
# delivery report). Goal: shop-pageviews msgs/s >= 1.2 x kcat's in every run; peak RSS <= 100 MB.
# Each round is a second or two, so the machine's noise shows: run it several times.
#
#   bench/pageviews.sh                     # 2,000,000 events, 5 rounds
#   COUNT=500000 ROUNDS=5 bench/pageviews.sh
#
# Uses the Release build (build/bin; built if missing) and its own dev broker through
# scripts/services.sh in $SHOP_SERVICES_DIR (default /tmp/shopstream-bench), stopped at
# the end if it started it. Rounds alternate the order; the best round of each counts.
# Last line: ratio=<shop-pageviews msgs/s / kcat msgs/s>.
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=pageviews.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

count=${COUNT:-2000000}
rounds=${ROUNDS:-5}
bin=build/bin
work=$(mktemp -d)
bench_on_exit "rm -rf -- '$work'"

bench_release_build shop-pageviews
bench_start_kafka
producer_settings=(-X enable.idempotence=true -X acks=all)

"$bin/shop-pageviews" -q --output stdout --with-key --rate max --count "$count" >"$work/messages.tsv" ||
  die "shop-pageviews --output stdout failed"

run_shop() {  # ROUND: prints "seconds peak_kb"
  local topic=bench-shop-$$-$1
  bench_timed "$work" shop /dev/null "$bin/shop-pageviews" -q --topic "$topic" --brokers "$BENCH_BROKERS" --rate max --count "$count"
  [[ $(bench_topic_messages "$topic") == "$count" ]] || die "shop-pageviews: topic $topic does not hold $count messages"
}

run_kcat() {  # ROUND: prints "seconds peak_kb"
  local topic=bench-kcat-$$-$1
  bench_timed "$work" kcat "$work/messages.tsv" kcat -P -b "$BENCH_BROKERS" -t "$topic" -K '\t' "${producer_settings[@]}"
  [[ $(bench_topic_messages "$topic") == "$count" ]] || die "kcat: topic $topic does not hold $count messages"
}

best_shop=0 best_kcat=0 shop_rss=0 kcat_rss=0
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then order=(shop kcat); else order=(kcat shop); fi
  for tool in "${order[@]}"; do
    read -r seconds rss < <("run_$tool" "$round")
    rate=$(calc "$count / $seconds")
    printf 'round %d: %-14s %10.0f msgs/s  %6.2f s  peak RSS %6.1f MB\n' "$round" \
      "$([[ $tool == shop ]] && echo shop-pageviews || echo kcat)" "$rate" "$seconds" "$(calc "$rss / 1024")"
    if [[ $tool == shop ]]; then
      bench_greater "$rate" "$best_shop" && best_shop=$rate
      ((rss > shop_rss)) && shop_rss=$rss
    else
      bench_greater "$rate" "$best_kcat" && best_kcat=$rate
      ((rss > kcat_rss)) && kcat_rss=$rss
    fi
  done
done

printf 'best: shop-pageviews %.0f msgs/s, kcat %.0f msgs/s (%s messages, %d rounds)\n' \
  "$best_shop" "$best_kcat" "$count" "$rounds"
printf 'peak RSS: shop-pageviews %.1f MB (goal <= 100), kcat %.1f MB\n' \
  "$(calc "$shop_rss / 1024")" "$(calc "$kcat_rss / 1024")"
printf 'ratio=%.3f\n' "$(calc "$best_shop / $best_kcat")"
