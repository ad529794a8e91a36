#!/usr/bin/env bash
# shop-mzsql against the harness's PostgreSQL.
#   mzsql_test.sh SHOP_MZSQL basic   splitter, variables, dry-run, errors with caret,
#                                    result formats, directories, stdin, --continue, secrets
#   mzsql_test.sh SHOP_MZSQL wait    --wait while PostgreSQL is down, then started
#                                    (restarts the server: RESOURCE_LOCK postgres)
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly MZSQL=${1:?usage: mzsql_test.sh SHOP_MZSQL basic|wait}
readonly PART=${2:?usage: mzsql_test.sh SHOP_MZSQL basic|wait}
readonly FIXTURES=$HARNESS_DIR/../mzsql
[[ -x $MZSQL ]] || die "not an executable: $MZSQL"
[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (is the postgres fixture running?)"

port=$(url_port "$DATABASE_URL")
db=mzsql_test_${PART}_$$
url=postgres://postgres@127.0.0.1:$port/$db
admin() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$DATABASE_URL" -c "$1"; }
query() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$url" -c "$1"; }

# mzsql ARGS...: runs shop-mzsql; stdout in $WORK_DIR/out, stderr in $WORK_DIR/err, status in $status.
mzsql() {
  status=0
  "$MZSQL" "$@" >"$WORK_DIR/out" 2>"$WORK_DIR/err" || status=$?
}

basic() {
  admin "DROP DATABASE IF EXISTS $db"
  admin "CREATE DATABASE $db"
  on_exit admin "DROP DATABASE IF EXISTS $db"

  # The splitter: every hidden semicolon stays inside its statement.
  GREETING="hello; world" mzsql --url "$url" "$FIXTURES/tricky.sql"
  expect_eq "tricky.sql applies" 0 "$status"
  expect_eq "every row arrived whole" \
    "1|single; quoted
2|it's; doubled
3|escape'; string\\
4|dollar; body
5| tagged \$\$; body 
6|hello; world
7|fallback; value" "$(query 'SELECT id, body FROM notes ORDER BY id')"
  expect_eq "a quoted identifier with a semicolon" "odd;name" "$(query "SELECT relname FROM pg_class WHERE relname = 'odd;name'")"
  expect_match "the summary counts the statements" '^6 of 6 statement\(s\) from 1 script\(s\) applied to postgres://' \
    "$(cat "$WORK_DIR/err")"
  GREETING="hello; world" mzsql --url "$url" "$FIXTURES/tricky.sql"
  expect_eq "re-applying: the duplicate rows fail (exit 1)" 1 "$status"
  expect_match "re-applying: CREATE ... IF NOT EXISTS passes with the server's notice" \
    'tricky.sql:2: NOTICE:  relation "notes" already exists, skipping' "$(cat "$WORK_DIR/err")"
  expect_match "re-applying: the first duplicate INSERT (line 3) stops it" \
    'tricky.sql:3:[0-9]+: error: duplicate key value' "$(cat "$WORK_DIR/err")"

  # "-- shop-mzsql: skip if": a statement without IF NOT EXISTS made idempotent.
  printf '%s\n' "-- shop-mzsql: skip if SELECT 1 FROM pg_class WHERE relname = '\${TABLE}'" \
    "CREATE TABLE \${TABLE} (id int);" >"$WORK_DIR/guarded.sql"
  mzsql --url "$url" --var TABLE=guarded "$WORK_DIR/guarded.sql"
  expect_eq "skip if: the first apply creates the table" "0 guarded" "$status $(query "SELECT relname FROM pg_class WHERE relname = 'guarded'")"
  mzsql --url "$url" --var TABLE=guarded "$WORK_DIR/guarded.sql"
  expect_eq "skip if: re-applying succeeds" 0 "$status"
  expect_match "skip if: and says it skipped" '\(1 skipped: already there\)' "$(cat "$WORK_DIR/err")"

  # Variables: --var wins over the environment; every unset one reported at once, before connecting.
  # shellcheck disable=SC2016 # ${...} is shop-mzsql's, not the shell's
  mzsql --url "postgres://nobody@127.0.0.1:1/none" -c 'SELECT ${A}, ${B}, ${A}' -c 'SELECT ${C:-3}, ${D}'
  expect_eq "unset variables: exit 2" 2 "$status"
  expect_eq "unset variables: all named at once, with where" \
    "shop-mzsql: error: unset variables: A (-c #1:1), B (-c #1:1), D (-c #2:1); set with --var NAME=VALUE or in the environment" \
    "$(cat "$WORK_DIR/err")"
  A=from-env mzsql --url "$url" --format tsv --var A=from-var -c "SELECT '\${A}' AS a, '\${B:-dflt}' AS b"
  expect_eq "--var wins over the environment; defaults fill the rest" "a	b
from-var	dflt" "$(cat "$WORK_DIR/out")"
  mzsql --url "$url" --var 'bad name=1' -c 'SELECT 1'
  expect_eq "a bad --var: exit 2" 2 "$status"

  # --dry-run: substituted statements with their origin, secrets masked, no connection.
  DB_PASSWORD=hunter2secret mzsql --dry-run --url "postgres://nobody@127.0.0.1:1/none" --var HOST=db1 \
    -c "CREATE SECRET s AS '\${DB_PASSWORD}'; SELECT '\${HOST}'"
  expect_eq "--dry-run: exit 0 without a server" 0 "$status"
  expect_eq "--dry-run: each statement after a -- file:line comment, secrets masked" "-- -c:1
CREATE SECRET s AS '****';

-- -c:1
SELECT 'db1';" "$(cat "$WORK_DIR/out")"

  # Errors: file:line:col, DETAIL and HINT, the source line with a caret; stop at the first.
  printf '%s\n' "INSERT INTO notes VALUES (100, 'ok');" "SELECT id," "       \${COLUMN} FROM notes;" \
    "INSERT INTO notes VALUES (101, 'after the error');" >"$WORK_DIR/bad.sql"
  mzsql --url "$url" --var COLUMN=nosuch "$WORK_DIR/bad.sql"
  expect_eq "an SQL error: exit 1" 1 "$status"
  expect_eq "the error points into the source, at the variable" \
    "$WORK_DIR/bad.sql:3:8: error: column \"nosuch\" does not exist
           \${COLUMN} FROM notes;
           ^" "$(sed -n 1,3p "$WORK_DIR/err")"
  expect_eq "statements after the error did not run" "" "$(query 'SELECT body FROM notes WHERE id = 101')"
  expect_eq "statements before it did" "ok" "$(query 'SELECT body FROM notes WHERE id = 100')"
  expect_match "the last line counts the failure" 'shop-mzsql: error: 1 statement\(s\) failed$' \
    "$(tail -n 1 "$WORK_DIR/err")"
  query 'DELETE FROM notes WHERE id = 100'
  mzsql --url "$url" --continue --var COLUMN=nosuch "$WORK_DIR/bad.sql"
  expect_eq "--continue: still exit 1" 1 "$status"
  expect_eq "--continue: the statements after the error ran" "after the error" \
    "$(query 'SELECT body FROM notes WHERE id = 101')"
  mzsql --url "$url" -c "INSERT INTO notes VALUES (1, 'again')"
  expect_eq "DETAIL from the server" 'DETAIL:  Key (id)=(1) already exists.' "$(sed -n 2p "$WORK_DIR/err")"
  mzsql --url "$url" -c "SELECT no_such_function(1)"
  expect_match "HINT from the server" '^HINT:  No function matches' "$(sed -n 2p "$WORK_DIR/err")"
  DB_PASSWORD=hunter2secret mzsql --url "$url" -c "SELECT '\${DB_PASSWORD}'::int"
  expect_eq "an error about a secret: exit 1" 1 "$status"
  if grep -q hunter2secret "$WORK_DIR/err"; then not_ok "the secret was printed: $(cat "$WORK_DIR/err")"; else
    ok "the secret is not printed in the error"
  fi
  expect_match "it is masked instead" 'invalid input syntax for type integer: "\*\*\*\*"' "$(head -n 1 "$WORK_DIR/err")"

  # Results as psql's aligned table, CSV, TSV and JSON lines.
  local select="SELECT id, body, id * 1.5 AS ratio, id > 3 AS big, NULL::text AS nothing FROM notes WHERE id IN (2, 4) ORDER BY id"
  mzsql --url "$url" -c "$select"
  expect_eq "table" " id |     body      | ratio | big | nothing
----+---------------+-------+-----+---------
  2 | it's; doubled |   3.0 | f   | 
  4 | dollar; body  |   6.0 | t   | 
(2 rows)" "$(cat "$WORK_DIR/out")"
  mzsql --url "$url" --format csv -c "$select"
  expect_eq "csv" 'id,body,ratio,big,nothing
2,it'"'"'s; doubled,3.0,f,
4,dollar; body,6.0,t,' "$(cat "$WORK_DIR/out")"
  mzsql --url "$url" --format jsonl -c "$select"
  expect_eq "jsonl: numbers as numbers, booleans, null" \
    '{"id": 2, "body": "it'"'"'s; doubled", "ratio": 3.0, "big": false, "nothing": null}
{"id": 4, "body": "dollar; body", "ratio": 6.0, "big": true, "nothing": null}' "$(cat "$WORK_DIR/out")"
  mzsql --url "$url" --format tsv -c "SELECT E'a\\tb' AS t, NULL AS n"
  expect_eq "tsv: COPY escapes and \\N" 't	n
a\tb	\N' "$(cat "$WORK_DIR/out")"

  # A directory: its *.sql in name order, not other files or subdirectories; stdin as -.
  mkdir -p "$WORK_DIR/dir/sub"
  echo "INSERT INTO notes VALUES (201, 'second');" >"$WORK_DIR/dir/20_b.sql"
  echo "INSERT INTO notes VALUES (200, 'first');" >"$WORK_DIR/dir/10_a.sql"
  echo "INSERT INTO notes VALUES (202, 'not sql');" >"$WORK_DIR/dir/30_c.txt"
  echo "INSERT INTO notes VALUES (203, 'subdirectory');" >"$WORK_DIR/dir/sub/40_d.sql"
  mzsql --url "$url" --verbose "$WORK_DIR/dir"
  expect_eq "a directory applies" 0 "$status"
  expect_eq "its *.sql files only, in name order" "200|first
201|second" "$(query 'SELECT id, body FROM notes WHERE id >= 200 ORDER BY id')"
  expect_match "-v names each statement in order" "10_a.sql:1: INSERT.*20_b.sql:1: INSERT" "$(tr '\n' ' ' <"$WORK_DIR/err")"
  status=0
  echo "SELECT 'from stdin' AS s;" | "$MZSQL" --url "$url" --format csv - >"$WORK_DIR/out" 2>"$WORK_DIR/err" || status=$?
  expect_eq "stdin as -" "s
from stdin" "$(cat "$WORK_DIR/out")"

  # Bad arguments: exit 2, one line.
  mzsql --url "$url" "$WORK_DIR/no-such-file.sql"
  expect_eq "a missing file: exit 2" 2 "$status"
  expect_match "a missing file: named" "^shop-mzsql: error: cannot read .*no-such-file.sql \(No such file or directory\)$" \
    "$(cat "$WORK_DIR/err")"
  mzsql --url "$url"
  expect_eq "nothing to run: exit 2" 2 "$status"
  # shellcheck disable=SC2016 # $$ is SQL's dollar quote
  printf 'SELECT 1;\nSELECT $$unterminated;\n' >"$WORK_DIR/open.sql"
  mzsql --url "$url" "$WORK_DIR/open.sql"
  expect_eq "an unterminated dollar quote: exit 2" 2 "$status"
  expect_eq "an unterminated dollar quote: where it began" \
    "shop-mzsql: error: $WORK_DIR/open.sql:2:8: unterminated dollar-quoted string" "$(cat "$WORK_DIR/err")"
  mzsql --url "$url" --format xml -c 'SELECT 1'
  expect_eq "a bad --format: exit 2" 2 "$status"
  mzsql --url "postgres://postgres@127.0.0.1:1/none" -c 'SELECT 1'
  expect_eq "an unreachable server without --wait: exit 1" 1 "$status"
  expect_match "an unreachable server: one line naming it" \
    '^shop-mzsql: error: cannot connect to postgres://postgres@127.0.0.1:1/none \(.+\)$' "$(cat "$WORK_DIR/err")"
}

wait_part() {
  admin "DROP DATABASE IF EXISTS $db"
  admin "CREATE DATABASE $db"
  on_exit admin "DROP DATABASE IF EXISTS $db"
  "$SERVICES_SH" stop postgres
  on_exit "$SERVICES_SH" start postgres # brings it back if an assertion aborts

  mzsql --url "$url" --wait 2s -c 'SELECT 1'
  expect_eq "--wait 2s with the server down: exit 1" 1 "$status"
  expect_match "--wait: gives up with the last connection error" \
    '^shop-mzsql: error: gave up waiting after 2\.00 s \(--wait\): cannot connect to ' "$(tail -n 1 "$WORK_DIR/err")"

  "$MZSQL" --url "$url" --wait 60s --format csv -c "SELECT 'answered' AS state" >"$WORK_DIR/out" 2>"$WORK_DIR/err" &
  local pid=$! start=$EPOCHSECONDS
  sleep 2
  "$SERVICES_SH" start postgres
  status=0
  wait "$pid" || status=$?
  expect_eq "--wait: exit 0 once the server started" 0 "$status"
  expect_eq "--wait: then runs the statements" "state
answered" "$(cat "$WORK_DIR/out")"
  if ((EPOCHSECONDS - start < 30)); then ok "--wait: connected soon after the start"; else
    not_ok "--wait: took $((EPOCHSECONDS - start)) s"
  fi
}

case $PART in
  basic) basic ;;
  wait) wait_part ;;
  *) die "unknown part '$PART' (expected basic or wait)" ;;
esac
