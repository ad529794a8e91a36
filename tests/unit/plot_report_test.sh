#!/usr/bin/env bash
# scripts/plot-report.sh: an interval report (--report-jsonl) becomes a valid PNG; bad
# input is a clear error.
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"
readonly PLOT=$REPO_ROOT/scripts/plot-report.sh
command -v gnuplot >/dev/null || die "gnuplot not found (apt-get install -y gnuplot-nox)"

# Three intervals of a staged run, and one of an unpaced run (no target).
cat >"$WORK_DIR/report.jsonl" <<'JSONL'
{"elapsed_s": 1.000, "interval_s": 1.000, "target_rate": 500.0, "planned_events": 500.0, "events": 498, "achieved_rate": 498.0, "latency_ms": {"p50": 1.100, "p99": 3.200, "max": 4.000}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "histogram": [[1048575, 498]]}
{"elapsed_s": 2.000, "interval_s": 1.000, "target_rate": 1500.0, "planned_events": 1500.0, "events": 1502, "achieved_rate": 1502.0, "latency_ms": {"p50": 1.200, "p99": 9.800, "max": 12.000}, "errors": 0, "lag_ms": 1.0, "reconnects": 0, "histogram": []}
{"elapsed_s": 3.000, "interval_s": 1.000, "target_rate": null, "planned_events": 0.0, "events": 3000, "achieved_rate": 3000.0, "latency_ms": {"p50": 2.000, "p99": 20.000, "max": 25.000}, "errors": 0, "lag_ms": 0.0, "reconnects": 0, "histogram": []}
JSONL
expect_ok "a report becomes a picture" "$PLOT" "$WORK_DIR/report.jsonl" "$WORK_DIR/out.png"
expect_eq "it is a PNG of 1000 x 700" "PNG 1000 700" "$(python3 -c '
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
assert data[12:16] == b"IHDR", "no IHDR chunk first"
width, height = struct.unpack(">II", data[16:24])
assert data[-8:-4] == b"IEND", "no IEND chunk last"
print("PNG", width, height)' "$WORK_DIR/out.png" 2>&1)"

status=0
"$PLOT" "$WORK_DIR/report.jsonl" 2>"$WORK_DIR/err" || status=$?
expect_eq "one argument: usage, exit 2" 2 "$status"
status=0
"$PLOT" "$WORK_DIR/none.jsonl" "$WORK_DIR/x.png" 2>"$WORK_DIR/err" || status=$?
expect_eq "a missing report: exit 1" 1 "$status"
expect_match "... naming it" "^plot-report.sh: error: cannot read .*none.jsonl" "$(cat "$WORK_DIR/err")"
echo 'not json' >"$WORK_DIR/bad.jsonl"
status=0
"$PLOT" "$WORK_DIR/bad.jsonl" "$WORK_DIR/x.png" 2>"$WORK_DIR/err" || status=$?
expect_eq "a file that is not a report: exit 1" 1 "$status"
expect_match "... saying so, on one line" "^plot-report.sh: error: .*bad.jsonl is not an interval report of --report-jsonl \\(line 1: .*\\)$" "$(cat "$WORK_DIR/err")"
: >"$WORK_DIR/empty.jsonl"
status=0
"$PLOT" "$WORK_DIR/empty.jsonl" "$WORK_DIR/x.png" 2>"$WORK_DIR/err" || status=$?
expect_eq "an empty report: exit 1" 1 "$status"
expect_match "... with no intervals" "\\(no intervals\\)$" "$(cat "$WORK_DIR/err")"
