#!/usr/bin/env bash
# plot-report.sh REPORT.jsonl OUT.png: a picture of a run from its interval report
# (shop-purchases or shop-pageviews --report-jsonl): target against achieved rate, and
# the latency p50 and p99 of each interval, over the run's time. Needs gnuplot
# (Debian: gnuplot-nox) and python3.
set -euo pipefail

readonly PROG=plot-report.sh
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
if (($# != 2)); then
  printf 'usage: %s REPORT.jsonl OUT.png\n' "$PROG" >&2
  exit 2
fi
readonly report=$1 out=$2
[[ -r $report ]] || die "cannot read $report"
command -v gnuplot >/dev/null || die "gnuplot is missing (apt-get install gnuplot-nox)"

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# One row per interval: elapsed s, target (NaN when unpaced), achieved, p50 ms, p99 ms.
python3 - "$report" >"$work/data.tsv" 2>"$work/why" <<'PY' || die "$report is not an interval report of --report-jsonl ($(tail -n 1 "$work/why"))"
import json, sys
rows = 0
for number, line in enumerate(open(sys.argv[1]), 1):
    if not line.strip():
        continue
    try:
        r = json.loads(line)
        target = r["target_rate"]
        print("%.3f\t%s\t%.3f\t%.3f\t%.3f" % (r["elapsed_s"], "NaN" if target is None else "%.3f" % target,
                                               r["achieved_rate"], r["latency_ms"]["p50"], r["latency_ms"]["p99"]))
        rows += 1
    except (ValueError, KeyError, TypeError) as error:
        sys.exit("line %d: %s" % (number, error))
if rows == 0:
    sys.exit("no intervals")
PY

gnuplot <<GNUPLOT || die "gnuplot failed"
set terminal pngcairo size 1000,700 font "DejaVu Sans,10"
set output "$out"
set datafile separator "\t"
set multiplot layout 2,1 title "$(basename -- "$report")"
set grid
set key top left
set ylabel "events per second"
set yrange [0:*]
plot "$work/data.tsv" using 1:2 with lines lw 2 lc rgb "#9ca3af" title "target", \
     "" using 1:3 with linespoints pt 7 ps 0.5 lw 2 lc rgb "#2563eb" title "achieved"
set xlabel "seconds since the start"
set ylabel "latency (ms, from the intended send time)"
plot "$work/data.tsv" using 1:4 with linespoints pt 7 ps 0.5 lw 2 lc rgb "#16a34a" title "p50", \
     "" using 1:5 with linespoints pt 7 ps 0.5 lw 2 lc rgb "#dc2626" title "p99"
unset multiplot
GNUPLOT
printf '%s: %s\n' "$PROG" "$out"
