#!/usr/bin/env bash
# make stress-pageviews | stress-purchases: one stream under a staged load through the
# tools image against the running stack, with a report per interval and its picture.
#   scripts/stress.sh pageviews|purchases
#   STRESS_STAGES=30s:5000,2m:50000,30s:0 make stress-pageviews
#   STRESS_FIND_MAX=1 make stress-purchases      the highest sustainable rate instead
#                                                (--find-max; STRESS_STEP, default 10s)
#   STRESS_INSTANCES=4 make stress-pageviews     the load shared by 4 processes
#                                                (--instance K/4), reports merged
#   STRESS_RESEED=0 make stress-purchases        keep the shop's data (by default it is
#                                                reseeded with ample stock first)
# Leaves stress-reports/<stream>-<time>.jsonl (--report-jsonl; with N instances, theirs
# merged by scripts/merge-reports.sh, each also as -K.jsonl), .hgrm (--latency-histogram,
# one per instance) and .png (scripts/plot-report.sh) next to each other.
set -euo pipefail

readonly PROG=stress.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

require_docker
[[ -n $(compose ps -q redpanda 2>/dev/null) ]] || die "the stack is not running: start it with 'make demo'"

case ${1:-} in
  pageviews)
    stages=${STRESS_STAGES:-30s:20000,1m:100000,30s:100000,30s:0}
    command=(shop-pageviews --topic pageviews-stress)
    ;;
  purchases)
    stages=${STRESS_STAGES:-30s:200,1m:2000,30s:2000,30s:0}
    command=(shop-purchases --connections 4 --batch 10)
    ;;
  *) die "usage: scripts/stress.sh pageviews|purchases" ;;
esac

instances=${STRESS_INSTANCES:-1}
[[ $instances =~ ^[1-9][0-9]*$ ]] || die "STRESS_INSTANCES: expected a whole number of processes, got '$instances'"
mkdir -p stress-reports
name=$1-$(date +%Y%m%d-%H%M%S)
load=(--stages "$stages")
if [[ ${STRESS_FIND_MAX:-0} == 1 ]]; then
  load=(--find-max --step-duration "${STRESS_STEP:-10s}")
  # N instances agree on every step through files in one directory they all see.
  if ((instances > 1)); then
    mkdir -p "stress-reports/$name.find-max"
    load+=(--find-max-dir "/reports/$name.find-max")
  fi
fi

# Ample stock first: a purchase whose item is out of stock commits nothing, and a load
# test whose stock runs out measures something else (after a default staged run 32% of
# purchases found no stock). shop-seed --reset empties and refills the shop's tables in
# place, which Materialize follows as ordinary changes. STRESS_RESEED=0 keeps the data.
if [[ $1 == purchases && ${STRESS_RESEED:-1} != 0 ]]; then
  printf '%s: reseeding the shop with 1,000,000 to 2,000,000 units of each item (STRESS_RESEED=0: keep it)\n' "$PROG" >&2
  compose --profile cli run --rm -T cli shop-seed -q --reset --inventory 1000000:2000000
fi

# One instance's run: the container writes its reports as the caller, into the caller's
# directory.
run_instance() {
  local k=$1 suffix=$2
  compose --profile cli run --rm -T --user "$(id -u):$(id -g)" -v "$PWD/stress-reports:/reports" cli \
    "${command[@]}" "${load[@]}" --instance "$k/$instances" --report-interval 5s \
    --report-jsonl "/reports/$name$suffix.jsonl" --latency-histogram "/reports/$name$suffix.hgrm"
}

if ((instances == 1)); then
  run_instance 1 ""
else
  pids=()
  for ((k = 1; k <= instances; k++)); do
    run_instance "$k" "-$k" &
    pids+=($!)
  done
  failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "an instance failed (its error is above)"
  reports=()
  for ((k = 1; k <= instances; k++)); do reports+=("stress-reports/$name-$k.jsonl"); done
  scripts/merge-reports.sh "${reports[@]}" >"stress-reports/$name.jsonl"
fi
scripts/plot-report.sh "stress-reports/$name.jsonl" "stress-reports/$name.png"
if ((instances == 1)); then
  printf '%s: stress-reports/%s.{jsonl,hgrm,png}\n' "$PROG" "$name"
else
  printf '%s: stress-reports/%s.{jsonl,png} (merged), stress-reports/%s-K.{jsonl,hgrm} (each instance)\n' \
    "$PROG" "$name" "$name"
fi
