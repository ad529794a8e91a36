#!/usr/bin/env bash
# shop-watch against the harness's PostgreSQL.
#   watch_test.sh SHOP_WATCH basic     the SUBSCRIBE cursor path (rows shaped like its
#                                      output), poll mode's changes in every format,
#                                      --key, errors, a closed stdout
#   watch_test.sh SHOP_WATCH table     the live table in tmux: what is on screen, and the
#                                      terminal restored after q, SIGTERM and two signals
#   watch_test.sh SHOP_WATCH restart   PostgreSQL restarted under a running watch
#                                      (RESOURCE_LOCK postgres)
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly WATCH=${1:?usage: watch_test.sh SHOP_WATCH basic|table|restart}
readonly PART=${2:?usage: watch_test.sh SHOP_WATCH basic|table|restart}
[[ -x $WATCH ]] || die "not an executable: $WATCH"
[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (is the postgres fixture running?)"

db=watch_test_${PART}_$$
url=postgres://postgres@127.0.0.1:$(url_port "$DATABASE_URL")/$db
admin() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$DATABASE_URL" -c "$1"; }
sql() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$url" -c "$1"; }
admin "DROP DATABASE IF EXISTS $db"
admin "CREATE DATABASE $db"
on_exit admin "DROP DATABASE IF EXISTS $db"

# wait_lines FILE N: until FILE has at least N lines (10 s at most).
wait_lines() {
  local deadline=$((SECONDS + 10))
  while (($(wc -l <"$1") < $2)); do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

# without_ts FILE FROM TO: lines FROM..TO of a changes/csv file without the timestamp, sorted.
without_ts() { sed -n "$2,$3p" "$1" | cut -f2- | sort; }

basic() {
  # The cursor path: rows as SUBSCRIBE ... WITH (PROGRESS) sends them. Timestamp 100 holds
  # a duplicate; at 105 an update arrives +new before -old and an insert cancels itself;
  # 107 never gets its progress row, so nothing of it may show.
  sql "CREATE TABLE subscribe_rows (seq int, mz_timestamp numeric, mz_progressed bool, mz_diff bigint, id int, name text);
       INSERT INTO subscribe_rows VALUES
         (1, 100, false, 1, 1, 'a'), (2, 100, false, 1, 2, 'b'), (3, 100, false, 1, 2, 'b'),
         (4, 101, true, NULL, NULL, NULL),
         (5, 105, false, 1, 1, 'A'), (6, 105, false, -1, 1, 'a'), (7, 105, false, 1, 3, 'c'), (8, 105, false, -1, 3, 'c'),
         (9, 106, true, NULL, NULL, NULL),
         (10, 106, false, -1, 2, 'b'),
         (11, 107, true, NULL, NULL, NULL),
         (12, 107, false, 1, 9, 'no progress yet')"
  local cursor="SELECT mz_timestamp, mz_progressed, mz_diff, id, name FROM subscribe_rows ORDER BY seq"
  expect_eq "cursor path: changes" "100	+1	1	a
100	+2	2	b
105	-1	1	a
105	+1	1	A
106	-1	2	b" "$("$WATCH" --url "$url" --format changes --cursor-query "$cursor" subscribe_rows)"
  expect_eq "cursor path: jsonl" '{"ts": 100, "diff": 1, "row": {"id": 1, "name": "a"}}
{"ts": 100, "diff": 2, "row": {"id": 2, "name": "b"}}
{"ts": 105, "diff": -1, "row": {"id": 1, "name": "a"}}
{"ts": 105, "diff": 1, "row": {"id": 1, "name": "A"}}
{"ts": 106, "diff": -1, "row": {"id": 2, "name": "b"}}' \
    "$("$WATCH" --url "$url" --format jsonl --cursor-query "$cursor" subscribe_rows)"
  expect_eq "cursor path: --count stops early" "100	+1	1	a
100	+2	2	b" "$("$WATCH" --url "$url" --format changes --count 2 --cursor-query "$cursor" subscribe_rows)"

  # ENVELOPE UPSERT's shape: mz_state, the key first.
  sql "CREATE TABLE upsert_rows (seq int, mz_timestamp numeric, mz_progressed bool, mz_state text, id int, name text);
       INSERT INTO upsert_rows VALUES
         (1, 10, false, 'upsert', 1, 'a'), (2, 10, false, 'upsert', 2, 'b'), (3, 11, true, NULL, NULL, NULL),
         (4, 12, false, 'upsert', 1, 'a2'), (5, 12, false, 'delete', 2, NULL), (6, 13, true, NULL, NULL, NULL)"
  expect_eq "cursor path with --key: upserts and deletes" \
    '{"ts": 10, "state": "upsert", "key": {"id": 1}, "value": {"name": "a"}}
{"ts": 10, "state": "upsert", "key": {"id": 2}, "value": {"name": "b"}}
{"ts": 12, "state": "upsert", "key": {"id": 1}, "value": {"name": "a2"}}
{"ts": 12, "state": "delete", "key": {"id": 2}, "value": null}' \
    "$("$WATCH" --url "$url" --format jsonl --key id \
      --cursor-query "SELECT mz_timestamp, mz_progressed, mz_state, id, name FROM upsert_rows ORDER BY seq" upsert_rows)"

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
  table) table ;;
  restart) restart ;;
  *) die "unknown part '$PART' (expected basic, table or restart)" ;;
esac
