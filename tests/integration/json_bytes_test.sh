#!/usr/bin/env bash
# JSON out of any bytes a row holds (issue 23, item 11): every JSON the programs write
# from a database's rows is valid UTF-8 JSON, one line per record, whatever the bytes.
#
#   - A row of a MariaDB table with a latin1 and a binary column, its bytes taken as they
#     are stored (HEX()) into a SQL_ASCII PostgreSQL database, which checks no encoding:
#     what an unchecked pipeline would pass on. (Materialize's MySQL source itself never
#     passes such bytes: it decodes each text column as UTF-8 and fails the source on a
#     value that is not, and a binary column becomes bytea; MaterializeInc/materialize
#     src/mysql-util/src/decoding.rs, pack_val_as_datum: from_value_opt::<String>, and
#     SqlScalarType::Bytes.)
#   - Control characters (ESC, NUL is impossible in PostgreSQL text), a json column with
#     line breaks (PostgreSQL's json keeps its input's whitespace) and with bytes that
#     are not UTF-8.
#   - A LATIN1 database: the programs ask for UTF-8 (core/postgres.cpp, client_encoding),
#     so its "é" arrives as "é", not as a replaced byte.
# Through shop-watch's jsonl (poll mode, and subscribe on the SUBSCRIBE stand-in, keyed
# and not), shop-mzsql's jsonl, shop-serve's /api/views and its event stream, and a
# line of shop-purchases' error from MariaDB. Each output is decoded strictly as UTF-8
# and parsed as JSON by Python, then compared value by value.
#   json_bytes_test.sh SHOP_WATCH SHOP_MZSQL SHOP_SERVE SHOP_PURCHASES
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly USAGE="usage: json_bytes_test.sh SHOP_WATCH SHOP_MZSQL SHOP_SERVE SHOP_PURCHASES"
readonly WATCH=${1:?$USAGE} MZSQL=${2:?$USAGE} SERVE=${3:?$USAGE} PURCHASES=${4:?$USAGE}
readonly SSE_PY=$HARNESS_DIR/../serve/sse.py
[[ -n ${MYSQL_URL:-} ]] || die "MYSQL_URL is not set (is the mariadb fixture running?)"

# json_values FILE: each line of FILE decoded strictly as UTF-8 and parsed as one JSON
# value, printed back in ASCII (\uXXXX) with sorted keys and without the "ts" field (a
# time); any line that is not valid UTF-8 JSON prints INVALID and why.
json_values() {
  python3 - "$1" <<'EOF'
import json, sys
for number, raw in enumerate(open(sys.argv[1], "rb").read().split(b"\n")[:-1], 1):
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        print(f"INVALID line {number}: {error}: {raw[:80]!r}")
        continue
    if isinstance(value, dict):
        value.pop("ts", None)
    print(json.dumps(value, sort_keys=True))
EOF
}

# --- the data -----------------------------------------------------------------------
# MariaDB: 'café' in a latin1 column (stored as 63 61 66 E9) and three raw bytes in a
# binary one.
mysql_server=${MYSQL_URL%/*}
mysql_db="json_bytes_$$"
mariadb_sql() { mariadb --protocol=tcp -h 127.0.0.1 -P "$(url_port "$MYSQL_URL")" -u root -N -B "$@"; }
mariadb_sql -e "DROP DATABASE IF EXISTS $mysql_db; CREATE DATABASE $mysql_db"
on_exit mariadb_sql -e "DROP DATABASE IF EXISTS $mysql_db"
mariadb_sql "$mysql_db" -e "CREATE TABLE legacy (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET latin1,
                             code VARBINARY(8));
                           INSERT INTO legacy VALUES (1, _latin1 X'636166E9', X'FF001B')"
read -r name_hex code_hex < <(mariadb_sql "$mysql_db" -e "SELECT HEX(name), HEX(code) FROM legacy WHERE id = 1")
expect_eq "MariaDB stores the latin1 text as one byte per character" "636166E9 FF001B" "$name_hex $code_hex"

# PostgreSQL, SQL_ASCII: the MariaDB row's bytes as they are, and rows of control
# characters and of json.
postgres_test_database "json_bytes_$$" "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
bytes() { echo "convert_from('\\x$1'::bytea, 'SQL_ASCII')"; }
sql "CREATE TABLE legacy (id int PRIMARY KEY, name text, code bytea, doc json);
     INSERT INTO legacy VALUES
       (1, $(bytes "$name_hex"), '\\x$code_hex', NULL),
       (2, E'tab\\there\\nline \\x01 \\x1b[31mred\\x1b[0m \"quoted\" back\\\\slash', NULL,
        E'{\"a\":\\n  [1,\\t2],\\r\\n \"b\": \"x\"}'),
       (3, $(bytes 'c3a9e282ac'), NULL, ($(bytes '7b226e223a2022e9ff227d'))::json)"
readonly ASCII_ROWS='{"code": "\\xff001b", "doc": null, "id": 1, "name": "caf\ufffd"}
{"code": null, "doc": {"a": [1, 2], "b": "x"}, "id": 2, "name": "tab\there\nline \u0001 \u001b[31mred\u001b[0m \"quoted\" back\\slash"}
{"code": null, "doc": {"n": "\ufffd\ufffd"}, "id": 3, "name": "\u00e9\u20ac"}'

# --- shop-watch -----------------------------------------------------------------------
"$WATCH" -q --url "$url" --mode poll --format jsonl --count 3 legacy >"$WORK_DIR/watch" ||
  not_ok "shop-watch (poll) exited $?"
expect_eq "shop-watch poll jsonl: valid UTF-8 JSON, one line a change, each byte accounted for" "$ASCII_ROWS" \
  "$(json_values "$WORK_DIR/watch" | python3 -c 'import json, sys; [print(json.dumps(json.loads(l)["row"], sort_keys=True)) for l in sys.stdin]' | sort)"

# Subscribe, on the stand-in: the same writer behind ChangeJson's keyed form too.
sql "$(cat "$HARNESS_DIR/../watch/subscribe_standin.sql")" >/dev/null
sql "CREATE TABLE bytes_log (mz_ts numeric NOT NULL, diff bigint NOT NULL, id int, name text);
     CREATE TABLE bytes_frontier (since numeric NOT NULL, upper numeric);
     INSERT INTO bytes_frontier VALUES (0, 101);
     INSERT INTO bytes_log SELECT 100, 1, id, name FROM legacy;
     SELECT shop_standin_install('bytes_standin', 'bytes', 'id int, name text', NULL);
     SELECT shop_standin_install('bytes_keyed_standin', 'bytes', 'id int, name text', 'id')" >/dev/null
"$WATCH" -q --url "$url" --format jsonl --as-of 100 --up-to 101 --subscribe-standin bytes_standin bytes \
  >"$WORK_DIR/subscribe" || not_ok "shop-watch (subscribe) exited $?"
expect_eq "shop-watch subscribe jsonl: the same" '{"diff": 1, "row": {"id": 1, "name": "caf\ufffd"}}
{"diff": 1, "row": {"id": 2, "name": "tab\there\nline \u0001 \u001b[31mred\u001b[0m \"quoted\" back\\slash"}}
{"diff": 1, "row": {"id": 3, "name": "\u00e9\u20ac"}}' "$(json_values "$WORK_DIR/subscribe" | sort)"
"$WATCH" -q --url "$url" --format jsonl --key id --as-of 100 --up-to 101 --subscribe-standin bytes_keyed_standin bytes \
  >"$WORK_DIR/keyed" || not_ok "shop-watch (subscribe, keyed) exited $?"
expect_eq "shop-watch subscribe jsonl --key: the same" \
  '{"key": {"id": 1}, "state": "upsert", "value": {"name": "caf\ufffd"}}
{"key": {"id": 2}, "state": "upsert", "value": {"name": "tab\there\nline \u0001 \u001b[31mred\u001b[0m \"quoted\" back\\slash"}}
{"key": {"id": 3}, "state": "upsert", "value": {"name": "\u00e9\u20ac"}}' "$(json_values "$WORK_DIR/keyed" | sort)"

# The live table (tmux, UTF-8): the same bytes shown, not acted on. ESC as its picture
# (a raw ESC would set the colour), the latin1 byte as U+FFFD (curses dropped it: "caf").
command -v tmux >/dev/null || die "tmux not found (apt-get install -y tmux)"
socket="shop-json-bytes-$$"
end_tmux() { tmux -L "$socket" kill-server 2>/dev/null || true; }
on_exit end_tmux
tmux -L "$socket" new-session -d -s table -x 100 -y 10 \
  "LANG=C.UTF-8 $(printf '%q' "$WATCH") --url $(printf '%q' "$url") --mode poll --order-by id 'SELECT id, name FROM legacy'"
deadline=$((SECONDS + 10))
until tmux -L "$socket" capture-pane -p -t table | grep -q 'plain\|caf'; do
  ((SECONDS < deadline)) || break
  sleep 0.1
done
pane=$(tmux -L "$socket" capture-pane -p -t table | sed -e 's/ *$//')
# Each row's cells after its marker column (+ for a new row, for a moment).
cells_of_row() { sed -n "s/^. \{1,\}$1  //p" <<<"$pane"; }
expect_eq "the table shows the latin1 byte as U+FFFD" $'caf\uFFFD' "$(cells_of_row 1)"
expect_eq "... and a row's ESC as its picture, line breaks as spaces (cut at 40 columns)" \
  $'tab here line \u2401 \u241b[31mred\u241b[0m "quoted" ba' "$(cells_of_row 2)"
end_tmux

# --- shop-mzsql -----------------------------------------------------------------------
"$MZSQL" -q "$url" --format jsonl -c "SELECT * FROM legacy ORDER BY id" >"$WORK_DIR/mzsql" ||
  not_ok "shop-mzsql exited $?"
expect_eq "shop-mzsql jsonl: the same rows" "$ASCII_ROWS" "$(json_values "$WORK_DIR/mzsql")"

# --- shop-serve -----------------------------------------------------------------------
"$SERVE" --url "$url" --mode poll --interval 100ms --views legacy --listen 127.0.0.1:0 \
  >"$WORK_DIR/serve.out" 2>"$WORK_DIR/serve.err" &
serve=$!
on_exit kill "$serve"
wait_for_serve "$serve" "$WORK_DIR/serve.err"
base=$SERVE_BASE
# Until the view has its first result (before it, /api/views answers 503).
deadline=$((SECONDS + 15))
until [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/healthz") == 200 ]]; do
  ((SECONDS < deadline)) || die "shop-serve did not become healthy: $(cat "$WORK_DIR/serve.err")"
  sleep 0.05
done
curl -s "$base/api/views/legacy" >"$WORK_DIR/api"
echo >>"$WORK_DIR/api"
expect_eq "shop-serve /api/views: the same rows" "$ASCII_ROWS" \
  "$(json_values "$WORK_DIR/api" | python3 -c 'import json, sys; [print(json.dumps(r, sort_keys=True)) for r in sorted(json.load(sys.stdin)["rows"], key=lambda r: r["id"])]')"

# The event stream: the snapshot, then a change with the same bytes, each event's data
# one line of valid UTF-8 JSON (a raw line break would split it: the browser would see
# the first line only).
curl -s -N "$base/api/views/legacy/changes" >"$WORK_DIR/stream" &
stream=$!
on_exit kill "$stream"
deadline=$((SECONDS + 10))
until grep -q '^event: snapshot' "$WORK_DIR/stream"; do
  ((SECONDS < deadline)) || die "no snapshot event: $(head -c 300 "$WORK_DIR/stream")"
  sleep 0.05
done
sql "INSERT INTO legacy VALUES (4, $(bytes 'ff0a'), NULL, E'[\\n\"\\\\u00e9\"]')"
deadline=$((SECONDS + 10))
until grep -q '^event: changes' "$WORK_DIR/stream"; do
  ((SECONDS < deadline)) || die "no changes event: $(tail -c 300 "$WORK_DIR/stream")"
  sleep 0.05
done
sleep 0.2
events=$(python3 - "$SSE_PY" "$WORK_DIR/stream" <<'EOF'
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("sse", sys.argv[1])
sse = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sse)
for event in sse.parse(sys.argv[2]):  # decodes the capture strictly as UTF-8
    if "\n" in event["data"]:
        print(f"{event['type']}: MORE THAN ONE DATA LINE")
    data = json.loads(event["data"])
    if event["type"] == "snapshot":
        print("snapshot", len(data["rows"]), "rows")
    elif event["type"] == "changes":
        for change in data["changes"]:
            print("change", change["diff"], json.dumps(change["row"], sort_keys=True))
EOF
) || not_ok "the event stream is not valid UTF-8 JSON"
expect_eq "shop-serve event stream: the snapshot, then the change, each valid JSON on one line" \
  'snapshot 3 rows
change 1 {"code": null, "doc": ["\u00e9"], "id": 4, "name": "\ufffd\n"}' "$events"

# An error body naming a view of bytes that are not UTF-8.
curl -s "$base/api/views/caf%E9" >"$WORK_DIR/error"
echo >>"$WORK_DIR/error"
expect_match "shop-serve: an error naming a view of latin1 bytes is valid JSON" '^\{"error": ".*caf\\ufffd' \
  "$(json_values "$WORK_DIR/error")"

# --- a LATIN1 database: converted, not replaced ----------------------------------------
latin1_db="json_latin1_$$"
admin "DROP DATABASE IF EXISTS $latin1_db"
admin "CREATE DATABASE $latin1_db ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
on_exit admin "DROP DATABASE IF EXISTS $latin1_db"
latin1_url=${url%/*}/$latin1_db
# chr(233) is é in the database's own encoding, whatever psql's client encoding is.
psql -X -q -v ON_ERROR_STOP=1 "$latin1_url" -c "CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'caf' || chr(233))"
"$WATCH" -q --url "$latin1_url" --mode poll --format jsonl --count 1 t >"$WORK_DIR/latin1" ||
  not_ok "shop-watch on LATIN1 exited $?"
expect_eq "a LATIN1 database's é arrives as é (client_encoding UTF8)" '{"diff": 1, "row": {"id": 1, "name": "caf\u00e9"}}' \
  "$(json_values "$WORK_DIR/latin1")"
"$MZSQL" -q "$latin1_url" --format jsonl -c "SELECT name FROM t" >"$WORK_DIR/latin1_mzsql" || not_ok "shop-mzsql on LATIN1 exited $?"
expect_eq "... and through shop-mzsql" '{"name": "caf\u00e9"}' "$(json_values "$WORK_DIR/latin1_mzsql")"

# --- MariaDB's own messages -----------------------------------------------------------
# The summaries and interval reports hold the programs' own words and servers' error
# messages, all through the same string writer (core/json_text.cpp, its unit tests).
# MariaDB itself escapes bytes that are not UTF-8 in the messages it sends: a database
# name of latin1 bytes (%E9) is quoted as 'caf\xE9', and the error line says so.
status=0
"$PURCHASES" -q --mysql "$mysql_server/caf%E9" --rate 10 --duration 1s 2>"$WORK_DIR/purchases.err" || status=$?
expect_eq "shop-purchases, a database name of latin1 bytes: exit 1, MariaDB's message with the byte escaped" \
  "1 shop-purchases: error: cannot connect to MySQL at $mysql_server/caf%E9 (Invalid utf8mb4 character string: 'caf\\xE9' (MySQL error 1300))" \
  "$status $(cat "$WORK_DIR/purchases.err")"
