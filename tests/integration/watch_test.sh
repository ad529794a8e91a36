#!/usr/bin/env bash
# shop-watch against the harness's PostgreSQL.
#   watch_test.sh SHOP_WATCH basic     poll mode's changes in every format, --key,
#                                      errors, a closed stdout
#   watch_test.sh SHOP_WATCH subscribe the SUBSCRIBE path through the stand-in
#                                      (watch/subscribe_standin.sql): snapshot and
#                                      progress, resuming after a lost connection (plain
#                                      and --key), a refused AS OF, --no-snapshot, the
#                                      end of a subscription
#   watch_test.sh SHOP_WATCH standin   the stand-in's rules from Materialize's source:
#                                      FETCH batching to its deadline, both endings at
#                                      UP TO, an AS OF ahead of the inputs, idle progress,
#                                      a session ended while stdout is blocked
#   watch_test.sh SHOP_WATCH table     the live table in tmux: what is on screen, and the
#                                      terminal restored after q, SIGTERM and two signals
#   watch_test.sh SHOP_WATCH restart   PostgreSQL restarted under a running watch
#                                      (RESOURCE_LOCK postgres)
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly WATCH=${1:?usage: watch_test.sh SHOP_WATCH basic|subscribe|standin|table|restart}
readonly PART=${2:?usage: watch_test.sh SHOP_WATCH basic|subscribe|standin|table|restart}
[[ -x $WATCH ]] || die "not an executable: $WATCH"
postgres_test_database "watch_test_${PART}_$$"

# wait_lines FILE N: until FILE has at least N lines (10 s at most).
wait_lines() {
  local deadline=$((SECONDS + 10))
  while (($(cat -- "$1" 2>/dev/null | wc -l) < $2)); do  # the file may not be there yet
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# wait_for_text FILE REGEX: until FILE has a line matching REGEX (10 s at most).
wait_for_text() {
  local deadline=$((SECONDS + 10))
  until grep -q -- "$2" "$1" 2>/dev/null; do  # the file may not be there yet
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# without_ts FILE FROM TO: lines FROM..TO of a changes/csv file without the timestamp, sorted.
without_ts() { sed -n "$2,$3p" "$1" | cut -f2- | sort; }

basic() {
  # Poll mode: changes made while watching, in each format.
  sql "CREATE TABLE items (id int PRIMARY KEY, name text, stock int, price numeric(6,2));
       INSERT INTO items VALUES (1, 'widget', 10, 2.50), (2, 'gadget', 0, NULL)"
  local format
  for format in changes jsonl csv; do
    sql "DELETE FROM items; INSERT INTO items VALUES (1, 'widget', 10, 2.50), (2, 'gadget', 0, NULL)"
    "$WATCH" --url "$url" --mode poll --interval 100ms --format "$format" items >"$WORK_DIR/$format" 2>"$WORK_DIR/$format.err" &
    local pid=$! header=0
    [[ $format == csv ]] && header=1
    wait_lines "$WORK_DIR/$format" $((header + 2)) || not_ok "$format: no snapshot"
    sql "INSERT INTO items VALUES (3, 'doodad', 5, 1.00)"
    wait_lines "$WORK_DIR/$format" $((header + 3)) || not_ok "$format: no insert"
    sql "UPDATE items SET stock = 9 WHERE id = 1"
    wait_lines "$WORK_DIR/$format" $((header + 5)) || not_ok "$format: no update"
    sql "DELETE FROM items WHERE id = 2"
    wait_lines "$WORK_DIR/$format" $((header + 6)) || not_ok "$format: no delete"
    kill -INT "$pid"
    local status=0
    wait "$pid" || status=$?
    expect_eq "$format: SIGINT ends the watch with 0" 0 "$status"
    case $format in
      changes)
        expect_eq "changes: the snapshot" "+1	1	widget	10	2.50
+1	2	gadget	0	\\N" "$(without_ts "$WORK_DIR/changes" 1 2)"
        expect_eq "changes: insert, update (-old +new), delete" "+1	3	doodad	5	1.00
-1	1	widget	10	2.50
+1	1	widget	9	2.50
-1	2	gadget	0	\\N" "$(sed -n 3,6p "$WORK_DIR/changes" | cut -f2-)"
        expect_match "changes: timestamps are epoch milliseconds" '^1[0-9]{12}$' "$(head -n 1 "$WORK_DIR/changes" | cut -f1)"
        ;;
      jsonl)
        expect_eq "jsonl: insert, update, delete with typed values" \
          '"diff": 1, "row": {"id": 3, "name": "doodad", "stock": 5, "price": 1.00}}
"diff": -1, "row": {"id": 1, "name": "widget", "stock": 10, "price": 2.50}}
"diff": 1, "row": {"id": 1, "name": "widget", "stock": 9, "price": 2.50}}
"diff": -1, "row": {"id": 2, "name": "gadget", "stock": 0, "price": null}}' \
          "$(sed -n 3,6p "$WORK_DIR/jsonl" | sed 's/^{"ts": [0-9]*, //')"
        ;;
      csv)
        expect_eq "csv: a header, then the changes" "ts,diff,id,name,stock,price" "$(head -n 1 "$WORK_DIR/csv")"
        expect_eq "csv: insert, update, delete" "+1,3,doodad,5,1.00
-1,1,widget,10,2.50
+1,1,widget,9,2.50
-1,2,gadget,0," "$(sed -n 4,7p "$WORK_DIR/csv" | cut -d, -f2-)"
        ;;
    esac
  done

  # --key in poll mode: an update is one upsert.
  "$WATCH" --url "$url" --mode poll --interval 100ms --format changes --key id items >"$WORK_DIR/keyed" &
  local pid=$!
  wait_lines "$WORK_DIR/keyed" 2 || not_ok "keyed: no snapshot"
  sql "UPDATE items SET stock = 8 WHERE id = 1; DELETE FROM items WHERE id = 3"
  wait_lines "$WORK_DIR/keyed" 4 || not_ok "keyed: no changes"
  kill -INT "$pid"
  wait "$pid" || true
  expect_eq "poll with --key: a delete and an upsert" "delete	3
upsert	1	widget	8	2.50" "$(sed -n 3,4p "$WORK_DIR/keyed" | cut -f2-)"

  # Errors and flags.
  local status=0
  "$WATCH" --url "$url" --mode poll --format changes "SELECT nosuch FROM items" >/dev/null 2>"$WORK_DIR/err" || status=$?
  expect_eq "a bad query: exit 1" 1 "$status"
  expect_eq "a bad query: the server's message, one line" 'shop-watch: error: column "nosuch" does not exist' \
    "$(cat "$WORK_DIR/err")"
  local args
  for args in "--mode bogus items" "--format xml items" "--interval 0s --mode poll items" \
    "--mode poll --as-of 5 items" "--format changes --order-by id items" "--mode poll --format table --order-by nosuch items"; do
    status=0
    # shellcheck disable=SC2086 # the flags are meant to split
    "$WATCH" --url "$url" $args >/dev/null 2>"$WORK_DIR/err" </dev/null || status=$?
    expect_eq "bad flags '$args': exit 2" 2 "$status"
  done
  status=0
  "$WATCH" --url "postgres://postgres@127.0.0.1:1/none" --mode poll --format changes items 2>"$WORK_DIR/err" || status=$?
  expect_eq "an unreachable server: exit 1" 1 "$status"

  # A closed stdout ends quietly with 0.
  sql "INSERT INTO items SELECT g, 'bulk', g, 1 FROM generate_series(100, 20100) AS g"
  status=$( ("$WATCH" --url "$url" --mode poll --format changes items 2>"$WORK_DIR/err"; echo $? >"$WORK_DIR/status") |
    head -n 1 >/dev/null
    cat "$WORK_DIR/status")
  expect_eq "stdout closed by head: exit 0" 0 "$status"
  expect_eq "stdout closed by head: nothing on stderr" "" "$(cat "$WORK_DIR/err")"
  # ... also when nothing changes and it never writes again: within the 5 s interval.
  exit_after_head "poll" "$WATCH" --url "$url" --mode poll --interval 5s --format changes 'SELECT 1'

  # Poll mode is also what --mode poll sends to Materialize.
  expect_materialize_grammar "poll mode sends only what Materialize parses" shop-watch
}

# The SUBSCRIBE path. Each collection is a change log with a frontier (see
# subscribe_standin.sql); shop-watch talks to the stand-in function exactly as to
# Materialize, every DECLARE and FETCH wrapped in one call of it.
# collection NAME DEFINITIONS [KEYS]: the log, its frontier at 0, and the stand-in NAME_standin.
collection() {
  local keys=NULL
  [[ -n ${3:-} ]] && keys="'$3'"
  sql "CREATE TABLE $1_log (mz_ts numeric NOT NULL, diff bigint NOT NULL, $2);
       CREATE TABLE $1_frontier (since numeric NOT NULL, upper numeric);
       INSERT INTO $1_frontier VALUES (0, 0);
       SELECT shop_standin_install('$1_standin', '$1', '$2', $keys)" >/dev/null
}
# Ends shop-watch's connections to the test database, as a server restart or a network
# failure would.
cut_connections() {
  sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'shop-watch'" >/dev/null
}
# watch_bg OUT ARGS...: shop-watch against the stand-in in the background; sets WATCH_PID.
watch_bg() {
  local out=$1
  shift
  "$WATCH" --url "$url" --format changes -v "$@" >"$out" 2>"$out.err" &
  WATCH_PID=$!
}
# stop_watch: SIGINT, then its exit status in STATUS.
stop_watch() {
  kill -INT "$WATCH_PID" 2>/dev/null || true
  STATUS=0
  wait "$WATCH_PID" || STATUS=$?
}
# replayed FILE: the changes of a plain changes file summed up: the rows they leave.
replayed() {
  awk -F'\t' '{ key = $3; for (i = 4; i <= NF; i++) key = key "\t" $i; count[key] += $2 }
    END { for (k in count) { if (count[k] < 0) print "NEGATIVE " k; for (j = 0; j < count[k]; j++) print k } }' "$1" | sort
}
# rows_of NAME: the collection's rows now (every update summed), as replayed() prints them.
rows_of() {
  psql -X -q -At -F $'\t' "$url" -c "SELECT id, value FROM (SELECT id, value, sum(diff) AS n FROM $1_log
    GROUP BY id, value) AS s, generate_series(1, s.n::int)" | sort
}

subscribe() {
  sql "$(cat "$REPO_ROOT/tests/integration/watch/subscribe_standin.sql")" >/dev/null
  local status

  # Snapshot, updates and progress: the snapshot at the AS OF, then only what a progress
  # row closed; an update is -old before +new; a change that cancels out at its
  # timestamp never shows; a timestamp without its progress row stays back.
  collection basic 'id int, value text'
  sql "INSERT INTO basic_log VALUES (100, 1, 1, 'a'), (100, 2, 2, 'b'), (105, 1, 1, 'A'), (105, -1, 1, 'a'),
         (105, 1, 3, 'c'), (105, -1, 3, 'c'), (106, -1, 2, 'b'), (107, 1, 9, 'no progress yet');
       UPDATE basic_frontier SET upper = 107"
  expect_eq "subscribe: the snapshot, then the changes each progress row closes" "100	+1	1	a
100	+2	2	b
105	-1	1	a
105	+1	1	A
106	-1	2	b" "$(timeout 20 "$WATCH" --url "$url" --format changes --as-of 100 --up-to 107 --subscribe-standin basic_standin basic)"
  expect_eq "subscribe: jsonl" '{"ts": 100, "diff": 1, "row": {"id": 1, "value": "a"}}
{"ts": 100, "diff": 2, "row": {"id": 2, "value": "b"}}' \
    "$(timeout 20 "$WATCH" --url "$url" --format jsonl --as-of 100 --up-to 101 --subscribe-standin basic_standin basic)"
  expect_eq "subscribe: --count stops early" "100	+1	1	a" \
    "$(timeout 20 "$WATCH" --url "$url" --format changes --as-of 100 --count 1 --subscribe-standin basic_standin basic)"

  # A lost connection: shop-watch resumes AS OF its last progress (101) and must emit
  # exactly the changes it missed: the update of 1 and the insert at 101, the removal at
  # 103, and nothing about row 2, which did not change (a delete and re-insert of every
  # row is the defect this catches). The changes are logged while the frontier stays at
  # 101 (the live subscription cannot see them), the connection is cut, then the frontier
  # moves: the resumed subscription sees them, whenever it reconnects.
  local name keys
  for keys in "" id; do
    name=resync${keys:+_keyed}
    collection "$name" 'id int, value int' "$keys"
    sql "INSERT INTO ${name}_log VALUES (100, 1, 1, 10), (100, 1, 2, 20), (100, 1, 3, 30);
         UPDATE ${name}_frontier SET upper = 101"
    watch_bg "$WORK_DIR/$name" ${keys:+--key "$keys"} --subscribe-standin "${name}_standin" "$name"
    wait_lines "$WORK_DIR/$name" 3 || not_ok "$name: no snapshot"
    sql "INSERT INTO ${name}_log VALUES (101, -1, 1, 10), (101, 1, 1, 11), (101, 1, 4, 40), (103, -1, 3, 30)"
    cut_connections
    sql "UPDATE ${name}_frontier SET upper = 104"
    local expected_lines=7
    [[ -n $keys ]] && expected_lines=6
    wait_lines "$WORK_DIR/$name" "$expected_lines" || not_ok "$name: the missed changes never came"
    sleep 1.5 # more would show by now
    stop_watch
    expect_eq "$name: SIGINT ends it with 0" 0 "$STATUS"
    expect_match "$name: it reconnected and resumed AS OF its last progress" 'AS OF 101' "$(cat "$WORK_DIR/$name.err")"
    if [[ -z $keys ]]; then
      expect_eq "resync: only the missed changes, each at its timestamp" "100	+1	1	10
100	+1	2	20
100	+1	3	30
101	+1	1	11
101	+1	4	40
101	-1	1	10
103	-1	3	30" "$(sort "$WORK_DIR/$name")"
      expect_eq "resync: the changes replayed are the collection" "$(rows_of "$name")" "$(replayed "$WORK_DIR/$name")"
    else
      expect_eq "resync with --key: only the missed upserts and deletes" "100	upsert	1	10
100	upsert	2	20
100	upsert	3	30
101	upsert	1	11
101	upsert	4	40
103	delete	3" "$(sort "$WORK_DIR/$name")"
    fi
  done

  # A refused AS OF: the inputs kept no history back to the resume timestamp (since 103 >
  # 101), which Materialize reports at the first FETCH with "could not find a valid
  # timestamp for the query" (MaterializeInc/materialize src/adapter/src/error.rs,
  # ImpossibleTimestampConstraints). shop-watch takes a fresh snapshot (AS OF the server's
  # choice, 103) and emits only its difference from what it showed.
  collection stale 'id int, value int'
  sql "INSERT INTO stale_log VALUES (100, 1, 1, 10), (100, 1, 2, 20), (100, 1, 3, 30); UPDATE stale_frontier SET upper = 101"
  watch_bg "$WORK_DIR/stale" --subscribe-standin stale_standin stale
  wait_lines "$WORK_DIR/stale" 3 || not_ok "stale: no snapshot"
  sql "INSERT INTO stale_log VALUES (101, -1, 1, 10), (101, 1, 1, 11), (102, 1, 4, 40), (103, -1, 3, 30);
       UPDATE stale_frontier SET since = 103"
  cut_connections
  sql "UPDATE stale_frontier SET upper = 104"
  wait_lines "$WORK_DIR/stale" 7 || not_ok "stale: the fresh snapshot's difference never came"
  sleep 1.5
  stop_watch
  expect_eq "a refused AS OF: shop-watch goes on (SIGINT ends it with 0)" 0 "$STATUS"
  expect_match "a refused AS OF: it said so and took a fresh snapshot" 'cannot resume AS OF 101 \(could not find a valid timestamp for the query\).*fresh snapshot' \
    "$(cat "$WORK_DIR/stale.err")"
  expect_eq "a refused AS OF: only the difference, at the fresh snapshot's timestamp" "103	+1	1	11
103	+1	4	40
103	-1	1	10
103	-1	3	30" "$(sed -n '4,$p' "$WORK_DIR/stale" | sort)"
  expect_eq "a refused AS OF: the changes replayed are the collection" "$(rows_of stale)" "$(replayed "$WORK_DIR/stale")"

  # --no-snapshot: AS OF T without a snapshot emits only times after T, so a resume after
  # progress 101 must ask AS OF 100 to keep the change at 101 itself.
  collection nosnap 'id int, value int'
  sql "INSERT INTO nosnap_log VALUES (100, 1, 1, 10); UPDATE nosnap_frontier SET upper = 101"
  watch_bg "$WORK_DIR/nosnap" --no-snapshot --subscribe-standin nosnap_standin nosnap
  wait_for_text "$WORK_DIR/nosnap.err" 'SNAPSHOT = false' || not_ok "nosnap: never subscribed"
  sleep 1 # its first FETCH has the progress rows at 100 and 101
  sql "INSERT INTO nosnap_log VALUES (101, 1, 5, 50), (102, -1, 1, 10)"
  cut_connections
  sql "UPDATE nosnap_frontier SET upper = 103"
  wait_lines "$WORK_DIR/nosnap" 2 || not_ok "nosnap: the changes after the resume never came"
  sleep 1
  stop_watch
  expect_match "--no-snapshot: resumed AS OF the timestamp below its last progress" 'SNAPSHOT = false\) AS OF 100' \
    "$(grep 'AS OF' "$WORK_DIR/nosnap.err" | tail -n 1)"
  expect_eq "--no-snapshot: the change at the resume timestamp is kept, nothing before it" "101	+1	5	50
102	-1	1	10" "$(cat "$WORK_DIR/nosnap")"

  # --no-snapshot and a refused AS OF: a clear error naming the flag.
  collection nosnap_stale 'id int, value int'
  sql "UPDATE nosnap_stale_frontier SET upper = 101"
  watch_bg "$WORK_DIR/nosnap_stale" --no-snapshot --subscribe-standin nosnap_stale_standin nosnap_stale
  sleep 1.5
  sql "UPDATE nosnap_stale_frontier SET since = 110" # compacted past what it has seen
  cut_connections
  sql "UPDATE nosnap_stale_frontier SET upper = 111"
  status=0
  (sleep 20 && kill "$WATCH_PID" 2>/dev/null) &
  local killer=$!
  wait "$WATCH_PID" || status=$?
  kill "$killer" 2>/dev/null || true
  expect_eq "--no-snapshot, AS OF refused: exit 1" 1 "$status"
  expect_match "--no-snapshot, AS OF refused: one line naming the flag" '^shop-watch: error: cannot resume AS OF 100 .*--no-snapshot' \
    "$(grep '^shop-watch: error:' "$WORK_DIR/nosnap_stale.err")"

  # The end of a subscription: with its inputs finished (the empty frontier) no progress
  # row reaches UP TO, and the subscription ends; so does shop-watch, with 0.
  collection finished 'id int, value int'
  sql "INSERT INTO finished_log VALUES (100, 1, 1, 10), (101, 1, 2, 20); UPDATE finished_frontier SET upper = NULL"
  status=0
  timeout 20 "$WATCH" --url "$url" --format changes --up-to 1000 --subscribe-standin finished_standin finished \
    >"$WORK_DIR/finished" 2>"$WORK_DIR/finished.err" || status=$?
  expect_eq "--up-to on a finished subscription: it ends, with 0" 0 "$status"
  expect_eq "--up-to on a finished subscription: every row" "101	+1	1	10
101	+1	2	20" "$(sort "$WORK_DIR/finished")"
  # UP TO within a running collection: the updates below it, then the end.
  collection upto 'id int, value int'
  sql "INSERT INTO upto_log VALUES (100, 1, 1, 10), (101, 1, 2, 20), (102, 1, 3, 30); UPDATE upto_frontier SET upper = 200"
  status=0
  timeout 20 "$WATCH" --url "$url" --format changes --as-of 100 --up-to 102 --subscribe-standin upto_standin upto \
    >"$WORK_DIR/upto" 2>&1 || status=$?
  expect_eq "--up-to: ends at UP TO (exclusive), with 0" "0 100	+1	1	10
101	+1	2	20" "$status $(cat "$WORK_DIR/upto")"
  # AS OF equal to UP TO: Materialize's notice (src/adapter/src/notice.rs,
  # EqualSubscribeBounds), shown as shop-watch shows a server's notice, and no change.
  status=0
  timeout 20 "$WATCH" --url "$url" --format changes --as-of 101 --up-to 101 --subscribe-standin upto_standin upto \
    >"$WORK_DIR/equal" 2>&1 || status=$?
  expect_eq "--as-of equal to --up-to: the server's notice, zero rows, then the end" "0 shop-watch: server NOTICE: subscribe as of 101 (inclusive) up to the same bound 101 (exclusive) is guaranteed to be empty" \
    "$status $(cat "$WORK_DIR/equal")"
  # UP TO below the AS OF the server chooses (its inputs are complete up to 199): exit 1
  # with Materialize's message (src/adapter/src/error.rs, AbsurdSubscribeBounds).
  status=0
  timeout 20 "$WATCH" --url "$url" --format changes --up-to 150 --subscribe-standin upto_standin upto \
    >"$WORK_DIR/absurd" 2>&1 || status=$?
  # shellcheck disable=SC2016 # the backquotes are Materialize's
  expect_eq "--up-to below the server's AS OF: exit 1 with the server's message" \
    '1 shop-watch: error: subscription lower bound (`AS OF`) is greater than its upper bound (`UP TO`): 199 > 150' \
    "$status $(cat "$WORK_DIR/absurd")"
  status=0
  "$WATCH" --url "postgres://postgres@127.0.0.1:1/none" --format changes --as-of 200 --up-to 100 --mode subscribe upto \
    >/dev/null 2>"$WORK_DIR/err" || status=$?
  expect_eq "--as-of later than --up-to: a usage error before connecting" "2 1" "$status $(wc -l <"$WORK_DIR/err")"
  expect_match "--as-of later than --up-to: the message names both" '--as-of 200 is later than --up-to 100' "$(cat "$WORK_DIR/err")"

  # A quiet subscription into head: only progress rows (or empty FETCHes) follow the
  # first line, yet shop-watch ends when head does.
  collection quiet 'id int, value int'
  sql "INSERT INTO quiet_log VALUES (100, 1, 1, 10); UPDATE quiet_frontier SET upper = 101"
  exit_after_head "subscribe" "$WATCH" --url "$url" --format changes --subscribe-standin quiet_standin quiet

  expect_materialize_grammar "subscribe mode sends only what Materialize parses" shop-watch
}

# The stand-in's rules beyond the stream contract, each as Materialize's source has it
# (watch/subscribe_standin.sql names the file for each): checked on the stand-in itself
# and on what shop-watch makes of them.
# standin_calls NAME STATEMENT...: one session runs BEGIN, each Materialize statement
# through NAME_standin, ROLLBACK; prints the rows space-separated (NULL as nothing),
# trailing spaces cut.
standin_calls() {
  local name=$1 statement
  shift
  local args=(-c "BEGIN")
  for statement; do args+=(-c "SELECT * FROM ${name}_standin('${statement//\'/\'\'}')"); done
  args+=(-c "ROLLBACK")
  psql -X -q -v ON_ERROR_STOP=1 -At -F ' ' "$url" "${args[@]}" | sed 's/ *$//'
}
# seconds_since START: the seconds since START (an $EPOCHREALTIME), one decimal.
seconds_since() { awk -v s="$1" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }'; }
# at_least WHAT MIN VALUE / below WHAT MAX VALUE: a number compared, as one assertion.
at_least() { if awk -v v="$3" -v m="$2" 'BEGIN { exit !(v >= m) }'; then ok "$1 ($3)"; else not_ok "$1: $3 < $2"; fi; }
below() { if awk -v v="$3" -v m="$2" 'BEGIN { exit !(v < m) }'; then ok "$1 ($3)"; else not_ok "$1: $3 >= $2"; fi; }
# ticker NAME: raises NAME_frontier.upper to the wall clock in epoch milliseconds (the
# unit of Materialize's timestamps) every quarter second, in the background, as
# Materialize's frontiers advance while nothing changes (subscribe_standin.sql, rule 4).
ticker() {
  (while sql "UPDATE $1_frontier SET upper = greatest(upper, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)" \
    >/dev/null 2>&1; do sleep 0.25; done) &
  on_exit kill "$!"
}
# change_soon NAME ROWS: logs ROWS ('(diff, id, value), ...') 300 ms past NAME's upper,
# which a ticker closes soon after; prints their timestamp.
change_soon() {
  sql "INSERT INTO $1_log SELECT f.upper + 300, v.d, v.i, v.t FROM $1_frontier AS f, (VALUES $2) AS v(d, i, t)
       RETURNING mz_ts" | sort -u
}

# end_tmux: the tmux server of standin's table, if it still runs.
end_tmux() { tmux -L "shop-watch-standin-$$" kill-server 2>/dev/null || true; }

standin() {
  sql "$(cat "$REPO_ROOT/tests/integration/watch/subscribe_standin.sql")" >/dev/null
  local got start status name

  # FETCH ALL ... WITH (timeout): every batch until the deadline, not only the first
  # (src/pgwire/src/protocol.rs, StateMachine::send_rows): two more progress rows and an
  # update come during a 3 s FETCH, all in it, and it returns at the deadline.
  collection batches 'id int, value text'
  sql "INSERT INTO batches_log VALUES (100, 1, 1, 'a'); UPDATE batches_frontier SET upper = 101"
  (sleep 0.3; sql "INSERT INTO batches_log VALUES (101, 1, 2, 'b'); UPDATE batches_frontier SET upper = 102"
    sleep 0.3; sql "UPDATE batches_frontier SET upper = 103") &
  start=$EPOCHREALTIME
  got=$(standin_calls batches "DECLARE c CURSOR FOR SUBSCRIBE (SELECT * FROM batches) WITH (PROGRESS)" \
    "FETCH ALL c WITH (timeout = '3s')")
  at_least "FETCH ALL WITH (timeout = '3s') returns at its deadline" 2.9 "$(seconds_since "$start")"
  wait "$!"
  expect_eq "FETCH ALL WITH (timeout): every batch that came before the deadline" "100 t
100 f 1 1 a
101 t
101 f 1 2 b
102 t
103 t" "$got"

  # The end: a FETCH returns at once, with what it collected, when UP TO is reached; no
  # progress row at or past UP TO (src/adapter/src/optimize/subscribe.rs sets the
  # dataflow's until to UP TO, src/persist-client/src/operators/shard_source.rs ends the
  # sources there; SQL-528 in misc/python/materialize/invariants/scenarios/table_bank.py),
  # unless the sink sees a frontier at or past it first (src/compute/src/sink/subscribe.rs),
  # which shop_standin.up_to_progress models. The next FETCH returns zero rows at once.
  local setting
  for setting in off on; do
    name=ending_$setting
    collection "$name" 'id int, value text'
    sql "INSERT INTO ${name}_log VALUES (100, 1, 1, 'a'); UPDATE ${name}_frontier SET upper = 101"
    (sleep 0.3; sql "INSERT INTO ${name}_log VALUES (102, 1, 2, 'b'), (104, 1, 3, 'c'); UPDATE ${name}_frontier SET upper = 110") &
    start=$EPOCHREALTIME
    got=$(PGOPTIONS="-c shop_standin.up_to_progress=$setting" standin_calls "$name" \
      "DECLARE c CURSOR FOR SUBSCRIBE (SELECT * FROM $name) WITH (PROGRESS) AS OF 100 UP TO 104" \
      "FETCH ALL c WITH (timeout = '5s')" "FETCH ALL c WITH (timeout = '5s')")
    below "UP TO reached (up_to_progress $setting): both FETCHes return before their deadline" 2 "$(seconds_since "$start")"
    wait "$!"
    local final=""
    [[ $setting == on ]] && final=$'\n110 t'
    expect_eq "UP TO reached (up_to_progress $setting): the rows below UP TO, then the end" "100 t
100 f 1 1 a
101 t
102 f 1 2 b$final" "$got"
  done

  # shop-watch gives the same output for each ending: UP TO reached without a final
  # progress row (Materialize now), with one at 110 (the sink's own path), and the inputs
  # finished (the empty frontier) before UP TO. Each ends by itself with 0.
  local ending
  for ending in plain final finished; do
    collection "end_$ending" 'id int, value text'
    sql "INSERT INTO end_${ending}_log VALUES (100, 1, 1, 'a'), (101, 1, 2, 'b'); UPDATE end_${ending}_frontier SET upper = 102"
    setting=off
    [[ $ending == final ]] && setting=on
    (PGOPTIONS="-c shop_standin.up_to_progress=$setting" timeout 20 "$WATCH" --url "$url" --format changes \
      --as-of 100 --up-to 103 --subscribe-standin "end_${ending}_standin" "end_$ending" >"$WORK_DIR/end_$ending" \
      2>"$WORK_DIR/end_$ending.err"
    echo $? >"$WORK_DIR/end_$ending.status") &
  done
  sleep 1.5 # a FETCH or two of the live subscriptions
  for ending in plain final finished; do
    local upper=110
    [[ $ending == finished ]] && upper=NULL
    sql "INSERT INTO end_${ending}_log VALUES (102, 1, 3, 'c'), (103, 1, 4, 'd'); UPDATE end_${ending}_frontier SET upper = $upper"
  done
  wait
  for ending in plain final finished; do
    expect_eq "the end ($ending): exit 0, the changes below UP TO, each once" "0 100	+1	1	a
101	+1	2	b
102	+1	3	c" "$(cat "$WORK_DIR/end_$ending.status") $(cat "$WORK_DIR/end_$ending")"
  done

  # An AS OF the inputs have not reached: the progress row at the AS OF at once
  # (src/adapter/src/active_compute_sink.rs, initialize), then nothing until the frontier
  # passes the AS OF (src/compute/src/sink/subscribe.rs, send_batch; no progress row for
  # an upper at the AS OF: active_compute_sink.rs, process_response), then the snapshot
  # as of then, with what was logged meanwhile below it.
  collection future 'id int, value text'
  sql "INSERT INTO future_log VALUES (100, 1, 1, 'a'); UPDATE future_frontier SET upper = 101"
  watch_bg "$WORK_DIR/future" --as-of 200 --subscribe-standin future_standin future
  wait_for_text "$WORK_DIR/future.err" 'AS OF 200' || not_ok "future: never subscribed"
  sql "INSERT INTO future_log VALUES (150, -1, 1, 'a'), (150, 1, 1, 'b'), (150, 1, 2, 'c'), (250, 1, 3, 'd');
       UPDATE future_frontier SET upper = 200"
  sleep 2.5 # FETCHes while the frontier is at the AS OF, not past it
  expect_eq "AS OF beyond the inputs' upper: nothing before the frontier passes it" "" "$(cat "$WORK_DIR/future")"
  sql "UPDATE future_frontier SET upper = 260"
  wait_lines "$WORK_DIR/future" 3 || not_ok "future: the snapshot never came"
  sleep 1.2 # more would show by now
  stop_watch
  expect_eq "AS OF beyond the upper: then the snapshot at the AS OF, and what follows" "200	+1	1	b
200	+1	2	c
250	+1	3	d" "$(sort "$WORK_DIR/future")"

  # Idle progress: a frontier that moves with the wall clock, a progress row every
  # quarter second and no data between them (src/adapter/src/coord.rs,
  # advance_timelines_interval). The output is only the changes, each once, at its
  # timestamp; --count counts changes, not progress rows; a resume after a lost
  # connection starts AS OF the last progress, an idle one past the last change; a quiet
  # stream into head still ends; the table's freshness follows idle progress.
  collection tick 'id int, value text'
  sql "INSERT INTO tick_log VALUES (1000, 1, 1, 'a');
       UPDATE tick_frontier SET upper = (extract(epoch FROM clock_timestamp()) * 1000)::bigint"
  ticker tick
  watch_bg "$WORK_DIR/tick" --subscribe-standin tick_standin tick
  (timeout 20 "$WATCH" --url "$url" --format changes --count 2 --subscribe-standin tick_standin tick \
    >"$WORK_DIR/count" 2>&1; echo $? >"$WORK_DIR/count.status") &
  local counting=$!
  wait_lines "$WORK_DIR/tick" 1 || not_ok "tick: no snapshot"
  wait_lines "$WORK_DIR/count" 1 || not_ok "tick: no snapshot for --count"
  sleep 1.5 # FETCHes of progress rows only
  local t1 t2
  t1=$(change_soon tick "(-1, 1, 'a'), (1, 1, 'A')")
  wait_lines "$WORK_DIR/tick" 3 || not_ok "tick: the update never came"
  wait "$counting"
  expect_eq "idle progress: --count 2 ends after the snapshot and the first change, with 0" "0 +1	1	a
-1	1	a" "$(cat "$WORK_DIR/count.status") $(cut -f2- "$WORK_DIR/count")"
  sleep 1.2 # idle progress past the change
  cut_connections
  t2=$(change_soon tick "(1, 2, 'b')")
  wait_lines "$WORK_DIR/tick" 4 || not_ok "tick: the insert after the reconnect never came"
  sleep 1.5
  stop_watch
  expect_eq "idle progress: SIGINT ends it with 0" 0 "$STATUS"
  expect_eq "idle progress: only the changes, each once, at its timestamp" "+1	1	a
$t1	-1	1	a
$t1	+1	1	A
$t2	+1	2	b" "$(head -n 1 "$WORK_DIR/tick" | cut -f2-; sed -n '2,$p' "$WORK_DIR/tick")"
  local resumed
  resumed=$(grep -o 'AS OF [0-9]*' "$WORK_DIR/tick.err" | tail -n 1 | cut -d' ' -f3)
  at_least "idle progress: the resume is AS OF an idle progress past the change" "$((t1 + 1))" "${resumed:-0}"
  exit_after_head "idle progress" "$WATCH" --url "$url" --format changes --subscribe-standin tick_standin tick
  if command -v tmux >/dev/null; then
    on_exit end_tmux
    tmux -L "shop-watch-standin-$$" new-session -d -s fresh -x 120 -y 8 \
      "'$WATCH' --url '$url' --format table --subscribe-standin tick_standin tick; sleep 60"
    sleep 4 # a few FETCHes after the snapshot: progress rows only
    expect_match "idle progress: the table's freshness follows it (under 2 s)" 'freshness [01]\.[0-9] s' \
      "$(tmux -L "shop-watch-standin-$$" capture-pane -p -t fresh | head -n 1)"
    end_tmux
  else
    not_ok "tmux not found (apt-get install -y tmux)"
  fi

  # A consumer that stops reading: shop-watch's stdout blocked by a stalled reader (as a
  # stalled `| shop-restock` would block it), its session idle in its transaction past
  # idle_in_transaction_session_timeout (2 min on Materialize, 3 s here) is ended by the
  # server with "terminating connection due to idle-in-transaction timeout" (src/adapter/
  # src/error.rs, IdleInTransactionSessionTimeout; PostgreSQL's own wording is the same).
  # Once the reader reads again, shop-watch resumes AS OF its last progress: the snapshot
  # once, then exactly the changes made meanwhile.
  collection stall 'id int, value text'
  sql "INSERT INTO stall_log SELECT 100, 1, g, repeat('x', 200) FROM generate_series(1, 3000) AS g;
       UPDATE stall_frontier SET upper = 101"
  mkfifo "$WORK_DIR/stall.pipe"
  # The reader opens the pipe at once and reads from it only once stall.go is there.
  (exec <"$WORK_DIR/stall.pipe"; until [[ -e $WORK_DIR/stall.go ]]; do sleep 0.1; done; cat >"$WORK_DIR/stall") &
  local reader=$!
  PGOPTIONS='-c idle_in_transaction_session_timeout=3s' "$WATCH" --url "$url" --format jsonl -v \
    --subscribe-standin stall_standin stall >"$WORK_DIR/stall.pipe" 2>"$WORK_DIR/stall.err" &
  WATCH_PID=$!
  wait_for_text "$WORK_DIR/stall.err" 'DECLARE shop_watch' || not_ok "stall: never subscribed"
  sleep 1.5 # its first FETCH is back with the snapshot, more than the pipe holds
  sql "INSERT INTO stall_log VALUES (101, -1, 1, repeat('x', 200)), (101, 1, 1, 'changed'), (102, 1, 9999, 'new');
       UPDATE stall_frontier SET upper = 103"
  local deadline=$((SECONDS + 10))
  until [[ $(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                  AND application_name = 'shop-watch'") == 0 ]]; do
    ((SECONDS < deadline)) || { not_ok "stall: the server never ended the session"; break; }
    sleep 0.2
  done
  touch "$WORK_DIR/stall.go"
  wait_for_text "$WORK_DIR/stall.err" 'idle-in-transaction' || not_ok "stall: no word of the session's end"
  wait_lines "$WORK_DIR/stall" 3003 || not_ok "stall: the changes after the resume never came"
  sleep 1.5 # more would show by now
  stop_watch
  wait "$reader"
  expect_eq "a stalled reader: SIGINT ends it with 0" 0 "$STATUS"
  expect_match "a stalled reader: the server ended the session, shop-watch reconnected" \
    'reconnecting \(terminating connection due to idle-in-transaction timeout\)' "$(cat "$WORK_DIR/stall.err")"
  expect_match "a stalled reader: resumed AS OF its last progress" 'AS OF 101' "$(grep 'AS OF' "$WORK_DIR/stall.err" | tail -n 1)"
  expect_eq "a stalled reader: the snapshot once" "3000 3000" \
    "$(head -n 3000 "$WORK_DIR/stall" | grep -c '"ts": 100, "diff": 1,') $(head -n 3000 "$WORK_DIR/stall" | sort -u | wc -l)"
  expect_eq "a stalled reader: then exactly the changes made meanwhile" "{\"ts\": 101, \"diff\": -1, \"row\": {\"id\": 1, \"value\": \"$(printf 'x%.0s' {1..200})\"}}
{\"ts\": 101, \"diff\": 1, \"row\": {\"id\": 1, \"value\": \"changed\"}}
{\"ts\": 102, \"diff\": 1, \"row\": {\"id\": 9999, \"value\": \"new\"}}" "$(sed -n '3001,$p' "$WORK_DIR/stall" | sort)"

  expect_materialize_grammar "the stand-in's rules: shop-watch sends only what Materialize parses" shop-watch
}

# tmux_watch NAME COMMAND: runs shop-watch in a 100x20 tmux session; afterwards the pane
# says EXIT=<status> and RESTORED when the terminal settings are as before.
tmux_watch() {
  local name=$1 command=$2
  tmux -L "shop-watch-test-$$" new-session -d -s "$name" -x 100 -y 20 \
    "before=\$(stty -g); $command; status=\$?; [ \"\$(stty -g)\" = \"\$before\" ] && echo RESTORED; echo EXIT=\$status; sleep 60"
}
pane() { tmux -L "shop-watch-test-$$" capture-pane -p -t "$1"; }
# wait_screen NAME REGEX: until the pane shows REGEX (10 s at most).
wait_screen() {
  local deadline=$((SECONDS + 10))
  until pane "$1" | grep -qE -- "$2"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

table() {
  command -v tmux >/dev/null || die "tmux not found (apt-get install -y tmux)"
  on_exit tmux -L "shop-watch-test-$$" kill-server
  sql "CREATE TABLE sales (item text PRIMARY KEY, revenue int);
       INSERT INTO sales VALUES ('alpha', 10), ('beta', 40), ('gamma', 20)"
  local watch="'$WATCH' --url '$url' --mode poll --interval 200ms --format table --order-by 'revenue desc' --bar revenue sales"

  tmux_watch quit "$watch"
  wait_screen quit 'beta' || not_ok "the table never showed its rows: $(pane quit)"
  pane quit >"$WORK_DIR/screen1"
  expect_match "the header: query, row count, freshness, changes/s" \
    'SELECT \* FROM sales \| 3 rows \| updated [0-9:]+ \| freshness [0-9.]+ s \| [0-9.]+ changes/s' "$(head -n 1 "$WORK_DIR/screen1")"
  expect_eq "rows in --order-by order" "beta gamma alpha" \
    "$(sed -n '3,5p' "$WORK_DIR/screen1" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(alpha|beta|gamma)$/) printf "%s%s", sep, $i; sep = " " }')"
  expect_match "a bar beside each row, the longest for the largest" '█{20,}' "$(sed -n 3p "$WORK_DIR/screen1")"
  sql "INSERT INTO sales VALUES ('delta', 99); UPDATE sales SET revenue = 5 WHERE item = 'beta'"
  wait_screen quit '4 rows' || not_ok "the insert never showed: $(pane quit)"
  pane quit >"$WORK_DIR/screen2"
  expect_match "an inserted row is marked + at the top" '^\+ +delta +99' "$(sed -n 3p "$WORK_DIR/screen2")"
  expect_match "an updated row is marked ~" '^~ +beta +5' "$(grep beta "$WORK_DIR/screen2")"
  sql "DELETE FROM sales WHERE item = 'gamma'"
  if wait_screen quit '^- +gamma'; then ok "a removed row stays a moment, marked -"; else
    not_ok "a removed row is not marked -: $(pane quit)"
  fi
  tmux -L "shop-watch-test-$$" send-keys -t quit q
  wait_screen quit 'EXIT=' || not_ok "q did not end it"
  expect_eq "q: exit 0 and the terminal restored" "RESTORED EXIT=0" "$(pane quit | grep -E 'RESTORED|EXIT=' | tr '\n' ' ' | sed 's/ $//')"

  tmux_watch term "$watch"
  wait_screen term 'beta' || not_ok "the second table never showed"
  pkill -TERM -f -- "--url $url --mode poll --interval 200ms --format table" || true
  wait_screen term 'EXIT=' || not_ok "SIGTERM did not end it"
  expect_eq "SIGTERM: exit 0 and the terminal restored" "RESTORED EXIT=0" "$(pane term | grep -E 'RESTORED|EXIT=' | tr '\n' ' ' | sed 's/ $//')"

  # Two signals at once: the second exits immediately (no destructors run), and the
  # async-signal-safe hook still restores the terminal. (Stopped, the process collects a
  # SIGTERM and a SIGINT, which do not merge as two SIGTERMs would.)
  tmux_watch twice "$watch"
  wait_screen twice 'beta' || not_ok "the third table never showed"
  local match="--url $url --mode poll --interval 200ms --format table"
  pkill -STOP -f -- "$match" || true
  pkill -TERM -f -- "$match" || true
  pkill -INT -f -- "$match" || true
  pkill -CONT -f -- "$match" || true
  wait_screen twice 'EXIT=' || not_ok "two signals did not end it"
  expect_match "two signals: an immediate exit (130 or 143), the terminal restored" 'RESTORED EXIT=(130|143)' \
    "$(pane twice | grep -E 'RESTORED|EXIT=' | tr '\n' ' ' | sed 's/ $//')"

  NO_COLOR=1 tmux_watch plain "NO_COLOR=1 $watch"
  wait_screen plain 'beta' || not_ok "the NO_COLOR table never showed"
  expect_eq "NO_COLOR: no colour escapes on screen" "0" \
    "$(tmux -L "shop-watch-test-$$" capture-pane -p -e -t plain | grep -c $'\e\\[3[1-6]m' || true)"
}

restart() {
  sql "CREATE TABLE counter (id serial PRIMARY KEY, value int)"
  "$WATCH" --url "$url" --mode poll --interval 100ms --format changes counter >"$WORK_DIR/changes" 2>"$WORK_DIR/err" &
  local pid=$! i
  on_exit kill "$pid"
  # A writer that keeps changing the table through the outage (its own failures are expected).
  (for ((i = 1; i <= 120; i++)); do
    psql -X -q "$url" -c "INSERT INTO counter (value) VALUES ($i); UPDATE counter SET value = value + 1000 WHERE id % 7 = 0 AND value < 1000; DELETE FROM counter WHERE id % 11 = 0" 2>/dev/null || true
    sleep 0.05
  done) &
  local writer=$!
  sleep 1
  "$SERVICES_SH" stop postgres
  on_exit "$SERVICES_SH" start postgres
  sleep 2
  "$SERVICES_SH" start postgres
  wait "$writer"
  sleep 1.5 # two polls after the last write
  kill -INT "$pid"
  local status=0
  wait "$pid" || status=$?
  expect_eq "the watch survived the restart and ended with 0" 0 "$status"
  expect_match "it said it was reconnecting" 'reconnecting' "$(cat "$WORK_DIR/err")"
  # The emitted stream, summed up, is the table as it is now: nothing missing, nothing twice.
  awk -F'\t' '{ key = $3; for (i = 4; i <= NF; i++) key = key "\t" $i; count[key] += $2 }
    END { for (k in count) { if (count[k] < 0) print "NEGATIVE " k; for (j = 0; j < count[k]; j++) print k } }' \
    "$WORK_DIR/changes" | sort >"$WORK_DIR/replayed"
  psql -X -q -At -F $'\t' "$url" -c "SELECT id, value FROM counter" | sort >"$WORK_DIR/truth"
  expect_match "the table changed meanwhile" '^[0-9]{2,}$' "$(wc -l <"$WORK_DIR/truth" | tr -d ' ')"
  if cmp -s "$WORK_DIR/truth" "$WORK_DIR/replayed"; then
    ok "the changes replayed equal the table"
  else
    not_ok "the changes replayed differ from the table: $(diff "$WORK_DIR/truth" "$WORK_DIR/replayed" | head -n 5)"
  fi
}

case $PART in
  basic) basic ;;
  subscribe) subscribe ;;
  standin) standin ;;
  table) table ;;
  restart) restart ;;
  *) die "unknown part '$PART' (expected basic, subscribe, standin, table or restart)" ;;
esac
