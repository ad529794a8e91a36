# shellcheck shell=bash
# Helpers sourced by the harness tests (tests/integration/harness/*_test.sh): assertions
# that count, and a summary line "<test>: N passed, N failed" on exit. Any failed
# assertion, or an unexpected error, makes the test exit 1.
set -euo pipefail

TEST_NAME=$(basename -- "$0" .sh)
HARNESS_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$HARNESS_DIR/../../.." && pwd)
# shellcheck disable=SC2034 # used by the tests that source this file
SERVICES_SH=$REPO_ROOT/scripts/services.sh
WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shop-$TEST_NAME.XXXXXX")
PASSED=0
FAILED=0
CLEANUPS=()

ok() {
  PASSED=$((PASSED + 1))
  printf 'ok    %s\n' "$1"
}
not_ok() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$1" >&2
}
# die WHAT: a failure that makes the rest of the test meaningless.
die() {
  not_ok "$1"
  exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  if [[ $3 == "$2" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}
# expect_match WHAT REGEX ACTUAL
expect_match() {
  if [[ $3 =~ $2 ]]; then ok "$1"; else not_ok "$1: '$3' does not match /$2/"; fi
}
# expect_ok WHAT COMMAND...: the command succeeds (its output goes to the test log).
expect_ok() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what (failed: $*)"; fi
}
# expect_fail WHAT COMMAND...: the command fails.
expect_fail() {
  local what=$1
  shift
  if "$@"; then not_ok "$what (succeeded but should fail: $*)"; else ok "$what"; fi
}

# exit_after_head NAME COMMAND...: runs COMMAND | head -n 1 with nothing changing after
# the first line, and checks that COMMAND notices its reader is gone although it has
# nothing more to write: exit 0, nothing on stderr, within 3 s (15 s at most).
exit_after_head() {
  local name=$1 start status
  shift
  start=$EPOCHREALTIME
  status=$( (timeout 15 "$@" 2>"$WORK_DIR/head.err"; echo $? >"$WORK_DIR/head.status") | head -n 1 >/dev/null
    cat "$WORK_DIR/head.status")
  local elapsed
  elapsed=$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')
  expect_eq "$name: a quiet stream into head -n 1 exits 0" 0 "$status"
  expect_eq "$name: ... with nothing on stderr" "" "$(cat "$WORK_DIR/head.err")"
  if awk -v t="$elapsed" 'BEGIN { exit !(t < 3) }'; then
    ok "$name: ... within ${elapsed}s of head closing the pipe"
  else
    not_ok "$name: took ${elapsed}s to notice the closed pipe (at most 3 s)"
  fi
}

# url_port URL: the port of mysql://u@h:PORT/db, postgres://..., or HOST:PORT.
url_port() {
  local rest=${1##*:}
  printf '%s\n' "${rest%%/*}"
}

# postgres_test_database NAME [OPTIONS]: a fresh database NAME on the postgres fixture's
# server (CREATE DATABASE's OPTIONS, e.g. an ENCODING), dropped on exit, with every
# statement logged (for expect_materialize_grammar). Sets `db` and `url`; admin SQL runs
# on the server's own database, sql SQL on the new one.
postgres_test_database() {
  [[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (is the postgres fixture running?)"
  admin() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$DATABASE_URL" -c "$1"; }
  # shellcheck disable=SC2317 # called by the tests, not here
  sql() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$url" -c "$1"; }
  db=$1
  url=postgres://postgres@127.0.0.1:$(url_port "$DATABASE_URL")/$db
  admin "DROP DATABASE IF EXISTS $db"
  admin "CREATE DATABASE $db ${2:-}"
  on_exit admin "DROP DATABASE IF EXISTS $db"
  admin "ALTER DATABASE $db SET log_statement = 'all'"
}

# expect_materialize_grammar WHAT PROGRAM: every statement PROGRAM (its libpq
# application_name) sent to the test database `db` so far parses by Materialize's
# grammar (tests/support/materialize_grammar.py, over PostgreSQL's statement log).
expect_materialize_grammar() {
  [[ -n ${SHOP_POSTGRES_LOG:-} && -r $SHOP_POSTGRES_LOG ]] || die "SHOP_POSTGRES_LOG is not a readable file (scripts/services.sh env sets it)"
  local report
  if report=$(python3 "$REPO_ROOT/tests/support/materialize_grammar.py" "$SHOP_POSTGRES_LOG" "$db" "$2" 3); then
    ok "$1: $report"
  else
    not_ok "$1: $report"
  fi
}

# wait_for_serve PID ERR_FILE: waits (15 s at most) until the shop-serve started as PID
# (with --listen 127.0.0.1:0) writes to ERR_FILE where it serves; sets SERVE_BASE to
# http://127.0.0.1:PORT. Dies if it exits first or says nothing in time.
wait_for_serve() {
  local pid=$1 err=$2 deadline=$((SECONDS + 15)) port=""
  until port=$(sed -n 's|.* on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$err") && [[ -n $port ]]; do
    ((SECONDS < deadline)) || die "shop-serve did not start: $(cat "$err")"
    kill -0 "$pid" 2>/dev/null || die "shop-serve exited: $(cat "$err")"
    sleep 0.05
  done
  # shellcheck disable=SC2034 # read by the tests that call it
  SERVE_BASE=http://127.0.0.1:$port
}

# on_exit COMMAND...: run at exit, last registered first (restart a stopped server, ...).
on_exit() {
  local cmd
  printf -v cmd '%q ' "$@"
  CLEANUPS=("$cmd" "${CLEANUPS[@]}")
}

finish() {
  local rc=$? cmd
  for cmd in "${CLEANUPS[@]}"; do eval "$cmd" || true; done
  rm -rf -- "$WORK_DIR"
  if ((rc != 0 && FAILED == 0)); then
    printf 'FAIL  %s stopped early (status %d)\n' "$TEST_NAME" "$rc" >&2
    FAILED=1
  fi
  printf '%s: %d passed, %d failed\n' "$TEST_NAME" "$PASSED" "$FAILED"
  if ((FAILED > 0)); then exit 1; fi
  exit 0
}
trap finish EXIT
