#!/usr/bin/env bash
# make stress-pageviews | stress-purchases: one stream under a staged load through the
# tools image against the running stack, with a report per interval and its picture.
#   scripts/stress.sh pageviews|purchases
#   STRESS_STAGES=30s:5000,2m:50000,30s:0 make stress-pageviews
# Leaves stress-reports/<stream>-<time>.jsonl (--report-jsonl), .hgrm
# (--latency-histogram) and .png (scripts/plot-report.sh) next to each other.
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

mkdir -p stress-reports
name=$1-$(date +%Y%m%d-%H%M%S)
# The container writes the reports as the caller, into the caller's directory.
compose --profile cli run --rm -T --user "$(id -u):$(id -g)" -v "$PWD/stress-reports:/reports" cli \
  "${command[@]}" --stages "$stages" --report-interval 5s --report-jsonl "/reports/$name.jsonl" \
  --latency-histogram "/reports/$name.hgrm"
scripts/plot-report.sh "stress-reports/$name.jsonl" "stress-reports/$name.png"
printf '%s: stress-reports/%s.{jsonl,hgrm,png}\n' "$PROG" "$name"
