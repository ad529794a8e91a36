#!/bin/bash
# wait-for.sh SECONDS WHAT COMMAND...: runs COMMAND every 2 s until it succeeds, for at
# most SECONDS; says what it waits for, and fails with a one-line error naming it when
# the deadline passes. Every wait in compose.yml goes through this, so none can hang.
set -euo pipefail
readonly deadline_seconds=${1:?usage: wait-for.sh SECONDS WHAT COMMAND...}
readonly what=${2:?usage: wait-for.sh SECONDS WHAT COMMAND...}
shift 2
[[ $# -gt 0 ]] || { echo "wait-for.sh: error: no command to wait with" >&2; exit 2; }
[[ $deadline_seconds =~ ^[0-9]+$ ]] || { echo "wait-for.sh: error: SECONDS must be a whole number, not '$deadline_seconds'" >&2; exit 2; }
deadline=$((SECONDS + deadline_seconds))
until "$@" >/dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    echo "wait-for.sh: error: $what: not there after ${deadline_seconds} s" >&2
    exit 1
  fi
  echo "waiting for $what"
  sleep 2
done
echo "$what: ready"
