#!/usr/bin/env bash
# shop-watch against the harness's PostgreSQL.
#   watch_test.sh SHOP_WATCH basic     poll mode's changes in every format, --key,
#                                      errors, a closed stdout
#   watch_test.sh SHOP_WATCH subscribe the SUBSCRIBE path through the stand-in
#                                      (watch/subscribe_standin.sql): snapshot and
#                                      progress, resuming after a lost connection (plain
#                                      and --key), a refused AS OF, --no-snapshot, the
#                                      end of a subscription
#   watch_test.sh SHOP_WATCH table     the live table in tmux: what is on screen, and the
#                                      terminal restored after q, SIGTERM and two signals
#   watch_test.sh SHOP_WATCH restart   PostgreSQL restarted under a running watch
#                                      (RESOURCE_LOCK postgres)
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly WATCH=${1:?usage: watch_test.sh SHOP_WATCH basic|subscribe|table|restart}
readonly PART=${2:?usage: watch_test.sh SHOP_WATCH basic|subscribe|table|restart}
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
  until grep -q -- "$2" "$1"; do
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
  # 101), which Materialize reports at the first FETCH. shop-watch takes a fresh snapshot
  # (AS OF the server's choice, 103) and emits only its difference from what it showed.
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
  expect_match "a refused AS OF: it said so and took a fresh snapshot" 'cannot resume AS OF 101 .*Timestamp \(101\) is not valid for all inputs.*fresh snapshot' \
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
  status=0
  timeout 20 "$WATCH" --url "$url" --format changes --as-of 101 --up-to 101 --subscribe-standin upto_standin upto \
    >"$WORK_DIR/equal" 2>&1 || status=$?
  expect_eq "--as-of equal to --up-to: zero rows, then the end" "0 " "$status $(cat "$WORK_DIR/equal")"
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
  table) table ;;
  restart) restart ;;
  *) die "unknown part '$PART' (expected basic, subscribe, table or restart)" ;;
esac
