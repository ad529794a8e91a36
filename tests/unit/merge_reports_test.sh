#!/usr/bin/env bash
# scripts/merge-reports.sh: the reports of N instances become one of the shared load:
# sums of counts and rates, latency percentiles from the merged histograms (not an
# average of the instances' percentiles), --find-max steps paired within each step;
# bad input is a clear error.
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"
readonly MERGE=$REPO_ROOT/scripts/merge-reports.sh

# Instance 1: 100 events at 1 ms. Instance 2: 98 at 1 ms and 2 at 500 ms, so its own
# p99 is 500 ms. Together, 198 of 200 at 1 ms: the shared p99 is 1 ms.
cat >"$WORK_DIR/a.jsonl" <<'JSONL'
{"elapsed_s": 1.000, "interval_s": 1.000, "target_rate": 100.0, "planned_events": 100.0, "events": 100, "achieved_rate": 100.0, "latency_ms": {"p50": 1.000, "p99": 1.000, "max": 1.000}, "errors": 0, "lag_ms": 2.0, "reconnects": 0, "histogram": [[1000000, 100]]}
{"elapsed_s": 2.000, "interval_s": 1.000, "target_rate": 100.0, "planned_events": 100.0, "events": 90, "achieved_rate": 90.0, "latency_ms": {"p50": 1.000, "p99": 1.000, "max": 1.000}, "errors": 1, "lag_ms": 0.0, "reconnects": 1, "histogram": [[1000000, 90]]}
JSONL
cat >"$WORK_DIR/b.jsonl" <<'JSONL'
{"elapsed_s": 1.010, "interval_s": 1.010, "target_rate": 100.0, "planned_events": 101.0, "events": 100, "achieved_rate": 99.0, "latency_ms": {"p50": 1.000, "p99": 500.000, "max": 500.000}, "errors": 0, "lag_ms": 7.0, "reconnects": 0, "histogram": [[1000000, 98], [500000000, 2]]}
JSONL
expect_ok "two reports merge" "$MERGE" "$WORK_DIR/a.jsonl" "$WORK_DIR/b.jsonl"
"$MERGE" "$WORK_DIR/a.jsonl" "$WORK_DIR/b.jsonl" >"$WORK_DIR/merged.jsonl"
field() { python3 -c 'import json, sys; r = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2])]; v = eval(sys.argv[3], {}, {"r": r}); print(json.dumps(v))' "$WORK_DIR/merged.jsonl" "$@"; }
expect_eq "one object per interval" 2 "$(wc -l <"$WORK_DIR/merged.jsonl" | tr -d ' ')"
expect_eq "rates and counts are summed" "[200.0, 201.0, 200, 199.0]" \
  "$(field 0 '[r["target_rate"], r["planned_events"], r["events"], r["achieved_rate"]]')"
expect_eq "times and lag are the largest" "[1.01, 1.01, 7.0]" "$(field 0 '[r["elapsed_s"], r["interval_s"], r["lag_ms"]]')"
expect_eq "p99 from the merged histogram, not the instances' p99s" "1.0" "$(field 0 'r["latency_ms"]["p99"]')"
expect_eq "... the max is the largest" "500.0" "$(field 0 'r["latency_ms"]["max"]')"
expect_eq "... and the histogram is their sum" "[[1000000, 198], [500000000, 2]]" "$(field 0 'r["histogram"]')"
expect_eq "... from both instances" "2" "$(field 0 'r["instances"]')"
expect_eq "an interval only one report has is kept, as its own" "[90, 1, 1, 1]" \
  "$(field 1 '[r["events"], r["errors"], r["reconnects"], r["instances"]]')"

# --find-max: intervals pair within a step. Instance 1 cut step 1 once (its verdict),
# instance 2 twice (an interval on its grid, then its verdict).
cat >"$WORK_DIR/s1.jsonl" <<'JSONL'
{"elapsed_s": 2.000, "interval_s": 2.000, "target_rate": 50.0, "planned_events": 100.0, "events": 100, "achieved_rate": 50.0, "latency_ms": {"p50": 1.0, "p99": 1.0, "max": 1.0}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "step": 1, "step_verdict": "held", "histogram": [[1000000, 100]]}
{"elapsed_s": 4.000, "interval_s": 2.000, "target_rate": 100.0, "planned_events": 200.0, "events": 150, "achieved_rate": 75.0, "latency_ms": {"p50": 1.0, "p99": 1.0, "max": 1.0}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "step": 2, "step_verdict": "fell behind", "histogram": [[1000000, 150]]}
JSONL
cat >"$WORK_DIR/s2.jsonl" <<'JSONL'
{"elapsed_s": 1.000, "interval_s": 1.000, "target_rate": 50.0, "planned_events": 50.0, "events": 50, "achieved_rate": 50.0, "latency_ms": {"p50": 1.0, "p99": 1.0, "max": 1.0}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "step": 1, "histogram": [[1000000, 50]]}
{"elapsed_s": 2.050, "interval_s": 1.050, "target_rate": 50.0, "planned_events": 52.5, "events": 52, "achieved_rate": 49.5, "latency_ms": {"p50": 1.0, "p99": 1.0, "max": 1.0}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "step": 1, "step_verdict": "held", "histogram": [[1000000, 52]]}
{"elapsed_s": 4.050, "interval_s": 2.000, "target_rate": 100.0, "planned_events": 200.0, "events": 160, "achieved_rate": 80.0, "latency_ms": {"p50": 1.0, "p99": 1.0, "max": 1.0}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "step": 2, "step_verdict": "fell behind", "histogram": [[1000000, 160]]}
JSONL
"$MERGE" "$WORK_DIR/s1.jsonl" "$WORK_DIR/s2.jsonl" >"$WORK_DIR/merged.jsonl"
expect_eq "an interval only one instance cut within a step stays its own" '[1, 50, 1, false]' \
  "$(field 0 '[r["step"], r["events"], r["instances"], "step_verdict" in r]')"
expect_eq "a step's verdict intervals pair, whatever was cut before them" '[1, "held", 152, 2]' \
  "$(field 1 '[r["step"], r["step_verdict"], r["events"], r["instances"]]')"
expect_eq "... the next step's too" '[2, "fell behind", 310, 2]' \
  "$(field 2 '[r["step"], r["step_verdict"], r["events"], r["instances"]]')"

status=0
"$MERGE" 2>"$WORK_DIR/err" || status=$?
expect_eq "no report: usage, exit 2" 2 "$status"
status=0
"$MERGE" "$WORK_DIR/none.jsonl" 2>"$WORK_DIR/err" || status=$?
expect_eq "a missing report: exit 1" 1 "$status"
expect_eq "... named in one line" "merge-reports.sh: error: $WORK_DIR/none.jsonl: not a readable file" "$(cat "$WORK_DIR/err")"
printf '{"elapsed_s": 1}\n' >"$WORK_DIR/bad.jsonl"
status=0
"$MERGE" "$WORK_DIR/a.jsonl" "$WORK_DIR/bad.jsonl" 2>"$WORK_DIR/err" || status=$?
expect_eq "not a report: exit 1" 1 "$status"
expect_match "... naming the file, line and what is missing" "bad.jsonl line 1: not an interval report \(no interval_s, " \
  "$(cat "$WORK_DIR/err")"
printf 'nonsense\n' >"$WORK_DIR/bad.jsonl"
status=0
"$MERGE" "$WORK_DIR/bad.jsonl" 2>"$WORK_DIR/err" || status=$?
expect_eq "not JSON: exit 1" 1 "$status"
expect_match "... said so" "bad.jsonl line 1: not JSON" "$(cat "$WORK_DIR/err")"
