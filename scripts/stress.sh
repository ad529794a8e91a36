#!/usr/bin/env bash
# make stress-pageviews | stress-purchases: one stream as fast as the stack takes it, for
# STRESS_DURATION (default 30s), through the tools image against the running stack;
# prints the achieved rates from the tool's summary.
#   scripts/stress.sh pageviews|purchases
set -euo pipefail

readonly PROG=stress.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh

readonly duration=${STRESS_DURATION:-30s}
require_docker
[[ -n $(compose ps -q redpanda 2>/dev/null) ]] || die "the stack is not running: start it with 'make demo'"

case ${1:-} in
  pageviews)
    compose --profile cli run --rm -T cli shop-pageviews --rate max --duration "$duration" --topic pageviews-stress
    ;;
  purchases)
    compose --profile cli run --rm -T cli shop-purchases --rate max --duration "$duration" --connections 4 --batch 100
    ;;
  *) die "usage: scripts/stress.sh pageviews|purchases" ;;
esac
