#!/usr/bin/env bash
# merge-reports.sh — the interval reports of N instances (--instance K/N --report-jsonl)
# as one report of the shared load, on stdout.
#
#   scripts/merge-reports.sh REPORT.jsonl [REPORT.jsonl ...] > merged.jsonl
#
# The i-th interval of every report is merged with the i-th of the others: instances
# started together with the same --report-interval cut the same intervals. Under
# --find-max they are paired within each step instead: each step's intervals count from
# its start, so its n-th interval with the others' n-th, and its last (the one with the
# step's verdict) with the others' last, whatever an instance that waited for the others
# at the step's end cut meanwhile.
# Merged:
#   target_rate, planned_events, events, achieved_rate, errors, reconnects  summed
#   elapsed_s, interval_s, lag_ms                                           the largest
#   histogram                                                               bucket counts summed
#   latency_ms p50/p99/max   from the merged histogram, as shop-purchases and shop-pageviews
#                            compute them (core/histogram.cpp: the upper edge of the bucket
#                            holding the rank ceil(q x count), at most the largest max)
#   step, step_verdict       kept (--find-max: every instance judged the same sums)
#   instances                how many reports had this interval
# The result has the same fields, so scripts/plot-report.sh draws it.
# Exit status: 0 merged, 1 a report cannot be read or is not an interval report, 2 usage.
set -euo pipefail

readonly PROG=merge-reports.sh
usage() {
  printf 'usage: %s REPORT.jsonl [REPORT.jsonl ...] > merged.jsonl\n' "$PROG" >&2
  exit 2
}
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then usage; fi
command -v python3 >/dev/null || die "python3 is needed (apt-get install python3)"
for report in "$@"; do
  [[ -f $report && -r $report ]] || die "$report: not a readable file"
done

exec python3 - "$@" <<'PYTHON'
import json
import math
import sys

PROG = "merge-reports.sh"
NEEDED = ("elapsed_s", "interval_s", "target_rate", "planned_events", "events", "achieved_rate",
          "latency_ms", "errors", "lag_ms", "reconnects", "histogram")


def die(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(1)


def read_report(path):
    intervals = []
    with open(path, encoding="utf-8") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                die(f"{path} line {number}: not JSON ({error.msg})")
            missing = [key for key in NEEDED if not isinstance(record, dict) or key not in record]
            if missing:
                die(f"{path} line {number}: not an interval report (no {', '.join(missing)})")
            intervals.append(record)
    if not intervals:
        die(f"{path}: no intervals")
    return intervals


def keys_of(intervals):
    """Where each interval goes: its position, or its step and position within the step."""
    keys = []
    position_in_step = {}
    for index, record in enumerate(intervals):
        if "step" in record:
            step = record["step"]
            position_in_step[step] = position_in_step.get(step, 0) + 1
            last = "step_verdict" in record
            keys.append((step, math.inf if last else position_in_step[step]))
        else:
            keys.append((0, index))
    return keys


def percentile(buckets, count, quantile, largest_max_ns):
    if count == 0:
        return 0.0
    rank = max(1, math.ceil(quantile * count))
    seen = 0
    for edge, bucket_count in buckets:
        seen += bucket_count
        if seen >= rank:
            return min(edge, largest_max_ns)
    return largest_max_ns


def merge(records):
    merged = {
        "elapsed_s": max(r["elapsed_s"] for r in records),
        "interval_s": max(r["interval_s"] for r in records),
        "target_rate": None if any(r["target_rate"] is None for r in records)
        else sum(r["target_rate"] for r in records),
        "planned_events": sum(r["planned_events"] for r in records),
        "events": sum(r["events"] for r in records),
        "achieved_rate": sum(r["achieved_rate"] for r in records),
    }
    buckets = {}
    for record in records:
        for edge, count in record["histogram"]:
            buckets[edge] = buckets.get(edge, 0) + count
    ordered = sorted(buckets.items())
    count = sum(c for _, c in ordered)
    largest_max_ns = max(r["latency_ms"]["max"] for r in records) * 1e6
    merged["latency_ms"] = {
        "p50": round(percentile(ordered, count, 0.5, largest_max_ns) / 1e6, 3),
        "p99": round(percentile(ordered, count, 0.99, largest_max_ns) / 1e6, 3),
        "max": round(largest_max_ns / 1e6, 3),
    }
    merged["errors"] = sum(r["errors"] for r in records)
    merged["lag_ms"] = max(r["lag_ms"] for r in records)
    merged["reconnects"] = sum(r["reconnects"] for r in records)
    for key in ("step", "step_verdict"):
        values = {r[key] for r in records if key in r}
        if len(values) == 1:
            merged[key] = values.pop()
    merged["instances"] = len(records)
    merged["histogram"] = [[edge, c] for edge, c in ordered]
    return merged


reports = [read_report(path) for path in sys.argv[1:]]
groups = {}
order = []
for intervals in reports:
    for key, record in zip(keys_of(intervals), intervals):
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(record)
for key in sorted(order):
    print(json.dumps(merge(groups[key])))
PYTHON
