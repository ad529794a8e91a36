#!/usr/bin/env bash
# shop-serve against the harness's PostgreSQL, in poll mode (as it runs against any
# PostgreSQL-wire server that is not Materialize).
#   serve_test.sh SHOP_SERVE SHOP_MZSQL api       the JSON endpoints follow inserts,
#                                                 updates and deletes; a change stream
#                                                 gets the snapshot, then exactly the
#                                                 changes; Last-Event-ID resumes with no
#                                                 duplicate and no gap; bad requests;
#                                                 --assets; a slow client is dropped;
#                                                 SIGTERM
#   serve_test.sh SHOP_SERVE SHOP_MZSQL resume    /api/changes?views=A,B resumed with
#                                                 Last-Event-ID from a one-view stream,
#                                                 between snapshots, after every k
#                                                 events, with a small --history: the
#                                                 client has exactly the views' rows,
#                                                 ids always rise
#   serve_test.sh SHOP_SERVE SHOP_MZSQL subscribe the SUBSCRIBE path (as on Materialize)
#                                                 through shop-watch's stand-in
#                                                 (watch/subscribe_standin.sql): the
#                                                 snapshot at the AS OF, only what
#                                                 progress closed, a lost connection
#                                                 resumed with only the missed changes
#   serve_test.sh SHOP_SERVE SHOP_MZSQL http      the raw socket as a hostile client
#                                                 uses it (serve/http_probe.py): Host,
#                                                 Transfer-Encoding, Expect, absolute-form,
#                                                 error bodies, idle and slow clients; and
#                                                 under a low open files limit, more
#                                                 stream clients than it allows
#   serve_test.sh SHOP_SERVE SHOP_MZSQL restart   PostgreSQL restarted under a running
#                                                 server (RESOURCE_LOCK postgres)
#   serve_test.sh SHOP_SERVE SHOP_MZSQL browser   the dashboard and a product page in
#                                                 Debian's chromium (tests/browser), and
#                                                 a page's stream refused with 503
# wait_until CONDITION is evaluated later, again and again: single quotes on purpose.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly USAGE="usage: serve_test.sh SHOP_SERVE SHOP_MZSQL api|resume|subscribe|http|restart|browser"
readonly SERVE=${1:?$USAGE}
readonly MZSQL=${2:?$USAGE}
readonly PART=${3:?$USAGE}
readonly SSE="python3 $HARNESS_DIR/../serve/sse.py"
readonly PROBE="python3 $HARNESS_DIR/../serve/http_probe.py"
[[ -x $SERVE ]] || die "not an executable: $SERVE"
postgres_test_database "serve_test_${PART}_$$"

# start_serve ARGS...: starts shop-serve on a free port (in poll mode unless
# SERVE_MODE_ARGS says otherwise; under `ulimit -n SERVE_OPEN_FILES` if set); sets
# SERVE_PID and BASE.
SERVE_MODE_ARGS=(--mode poll --interval 100ms)
SERVE_OPEN_FILES=""
start_serve() {
  # Emptied here, not by the redirection in the child, which may come after the port is
  # looked for below (and the last server's port found).
  : >"$WORK_DIR/serve.err"
  (if [[ -n $SERVE_OPEN_FILES ]]; then ulimit -n "$SERVE_OPEN_FILES"; fi
    exec "$SERVE" --url "$url" "${SERVE_MODE_ARGS[@]}" --listen 127.0.0.1:0 "$@") >"$WORK_DIR/serve.out" 2>"$WORK_DIR/serve.err" &
  SERVE_PID=$!
  on_exit kill "$SERVE_PID"
  wait_for_serve "$SERVE_PID" "$WORK_DIR/serve.err"
  BASE=$SERVE_BASE
  wait_until "shop-serve is healthy" '[[ $(status_of /healthz) == 200 ]]'
}

# wait_until WHAT CONDITION: evaluates CONDITION until it holds (10 s at most).
wait_until() {
  local deadline=$((SECONDS + 10))
  until eval "$2"; do
    if ((SECONDS >= deadline)); then
      not_ok "$1 (waited 10 s)"
      return 0 # the test goes on, to report what else holds
    fi
    sleep 0.05
  done
  ok "$1"
}

status_of() { curl -s -o /dev/null -w '%{http_code}' "$BASE$1"; }
body_of() { curl -s "$BASE$1"; }
# rows_of VIEW: the view's rows from /api/views/VIEW, one compact JSON object per line, sorted.
rows_of() { body_of "/api/views/$1" | python3 -c 'import json, sys; [print(json.dumps(r)) for r in sorted(json.load(sys.stdin)["rows"], key=json.dumps)]'; }
# raw REQUEST: sends REQUEST (with \r\n line ends) as it is; prints the status line.
raw() {
  python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
reply = b""
while b"\r\n" not in reply:
    chunk = s.recv(4096)
    if not chunk:
        break
    reply += chunk
print(reply.split(b"\r\n")[0].decode())' "${BASE##*:}" "$1"
}

# body_after REQUEST: sends REQUEST, reads the answer until the server closes; prints its
# status line and how many bytes came after the header.
body_after() {
  python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
reply = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
head, _, body = reply.partition(b"\r\n\r\n")
print(head.split(b"\r\n")[0].decode(), len(body))' "${BASE##*:}" "$1"
}

api() {
  sql "CREATE TABLE inventory_status (item_id bigint, name text, price numeric(7,2), stock int, status text, shop_message text);
       INSERT INTO inventory_status VALUES (1, 'Blue Widget', 10.00, 500, 'in stock', NULL), (2, 'Red Widget', 20.00, 3, 'low', 'Only 3 left');
       CREATE TABLE notes (id int, body text); INSERT INTO notes VALUES (1, 'one')"
  start_serve --views inventory_status,notes --heartbeat 200ms

  # JSON: the current rows, typed.
  expect_eq "/api/views/notes: the rows, numbers as numbers" \
    '{"view": "notes", "ts": TS, "columns": ["id", "body"], "rows": [{"id": 1, "body": "one"}]}' \
    "$(body_of /api/views/notes | sed 's/"ts": [0-9]*/"ts": TS/')"
  expect_eq "/api/items/2: the item's stock and message" \
    '{"item_id": 2, "name": "Red Widget", "price": 20.00, "stock": 3, "status": "low", "shop_message": "Only 3 left"}' \
    "$(body_of /api/items/2)"
  expect_eq "/api/items/1: NULL as null" \
    '{"item_id": 1, "name": "Blue Widget", "price": 10.00, "stock": 500, "status": "in stock", "shop_message": null}' \
    "$(body_of /api/items/1)"
  expect_eq "/api/items/99: 404" 404 "$(status_of /api/items/99)"
  expect_eq "/api/items/abc: 404" 404 "$(status_of /api/items/abc)"
  expect_eq "/api/views/nope: 404 with a JSON error" \
    "404 {\"error\": \"no view named 'nope' is served (see --views)\"}" \
    "$(curl -s -w ' %{http_code}' "$BASE/api/views/nope" | awk '{ s = $NF; $NF = ""; sub(/ $/, ""); print s, $0 }')"

  # A change stream from the start, and one that will resume later.
  curl -s -N "$BASE/api/views/notes/changes" >"$WORK_DIR/stream" &
  local stream=$!
  on_exit kill "$stream"
  wait_until "the stream starts with the snapshot" '[[ $($SSE events "$WORK_DIR/stream" | head -n 1 | cut -f1) == snapshot ]]'
  curl -s -N "$BASE/api/views/notes/changes" >"$WORK_DIR/early" &
  local early=$!
  wait_until "a second client has its snapshot" '[[ -n $($SSE last-id "$WORK_DIR/early") ]]'

  # Insert, update, delete: /api/views and /api/items follow each.
  sql "INSERT INTO notes VALUES (2, 'two')"
  wait_until "insert: /api/views shows the new row" '[[ $(rows_of notes | wc -l) == 2 ]]'
  # The second client leaves after the insert; what happens next it must get on resuming.
  wait_until "the second client got the insert" '[[ $($SSE changes "$WORK_DIR/early" | wc -l) == 1 ]]'
  kill "$early"
  wait "$early" 2>/dev/null || true
  local resume_id
  resume_id=$($SSE last-id "$WORK_DIR/early")
  sql "UPDATE notes SET body = 'uno' WHERE id = 1"
  wait_until "update: /api/views shows the new value" 'rows_of notes | grep -q uno'
  sql "DELETE FROM notes WHERE id = 2"
  wait_until "delete: /api/views drops the row" '[[ $(rows_of notes | wc -l) == 1 ]]'
  sql "UPDATE inventory_status SET stock = 0, status = 'sold out', shop_message = 'Sold out' WHERE item_id = 2"
  wait_until "/api/items/2 follows the update" '[[ $(body_of /api/items/2) == *'"'"'"stock": 0'"'"'* ]]'
  sql "DELETE FROM inventory_status WHERE item_id = 2"
  wait_until "/api/items/2 is 404 once the row is deleted" '[[ $(status_of /api/items/2) == 404 ]]'

  # The stream: exactly the three changes, in order, each in its own event.
  wait_until "the stream got every change" '[[ $($SSE changes "$WORK_DIR/stream" | wc -l) == 4 ]]'
  expect_eq "the stream: snapshot, then exactly the changes" \
    '1	{"id": 2, "body": "two"}
-1	{"id": 1, "body": "one"}
1	{"id": 1, "body": "uno"}
-1	{"id": 2, "body": "two"}' "$($SSE changes "$WORK_DIR/stream")"
  expect_eq "one snapshot, then one change event per timestamp" "snapshot changes changes changes" \
    "$($SSE events "$WORK_DIR/stream" | cut -f1 | grep -v -e status -e progress | tr '\n' ' ' | sed 's/ $//')"
  expect_match "a heartbeat comment keeps the stream" '^: heartbeat$' "$(grep -m1 '^:' "$WORK_DIR/stream")"

  # Resuming from the second client's last id: the update and the delete, nothing else.
  curl -s -N -H "Last-Event-ID: $resume_id" "$BASE/api/views/notes/changes" >"$WORK_DIR/resumed" &
  local resumed=$!
  wait_until "the resumed stream got the missed changes" '[[ $($SSE changes "$WORK_DIR/resumed" | wc -l) == 3 ]]'
  sleep 0.3
  kill "$resumed"
  expect_eq "Last-Event-ID: no snapshot, no duplicate, no gap" \
    'changes
-1	{"id": 1, "body": "one"}
1	{"id": 1, "body": "uno"}
-1	{"id": 2, "body": "two"}' \
    "$($SSE events "$WORK_DIR/resumed" | cut -f1 | grep -v -e status -e progress | sort -u; $SSE changes "$WORK_DIR/resumed")"
  curl -s -N -H "Last-Event-ID: 0000-7" "$BASE/api/views/notes/changes" >"$WORK_DIR/foreign" &
  local foreign=$!
  wait_until "an id from another process gets a fresh snapshot" '[[ $($SSE events "$WORK_DIR/foreign" | head -n 1 | cut -f1) == snapshot ]]'
  kill "$foreign"
  curl -s -N "$BASE/api/changes?views=notes,inventory_status" >"$WORK_DIR/both" &
  local both=$!
  wait_until "/api/changes?views=A,B: both snapshots in one stream" '[[ $($SSE events "$WORK_DIR/both" | grep -c snapshot) == 2 ]]'
  kill "$both"

  # Bad requests.
  expect_eq "POST: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$BASE/api/views/notes")"
  expect_match "405 says what is allowed" 'Allow: GET, HEAD' "$(curl -s -i -X DELETE "$BASE/" | tr -d '\r')"
  expect_eq "HEAD: the headers, no body" "HTTP/1.1 200 OK 0" \
    "$(body_after 'HEAD /api/views/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')"
  expect_eq "GET: the same with its body" "HTTP/1.1 200 OK $(body_of /api/views/notes | wc -c)" \
    "$(body_after 'GET /api/views/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')"
  expect_eq "HEAD of a change stream: the headers, then the end" "HTTP/1.1 200 OK 0" \
    "$(body_after 'HEAD /api/views/notes/changes HTTP/1.1\r\nHost: x\r\n\r\n')"
  expect_eq "POST with a body: 405, not a complaint about the body" "HTTP/1.1 405 Method Not Allowed" \
    "$(raw 'POST /api/views/notes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')"
  expect_eq "/api/changes with no view: 400" 400 "$(status_of '/api/changes?views=,')"
  local path
  for path in /nope /api /api/views /api/views/notes/changes/x /assets/ /assets/../CMakeLists.txt \
    /assets/%2e%2e/serve.cpp /assets/%2E%2E%2Fserve.cpp /assets/..%2fserve.cpp /assets/.hidden \
    "/assets/a%00b" /assets/%5c..%5cx /assets//etc/passwd /products/abc /products/1/x "/products/%31%2F.."; do
    expect_eq "GET $path: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' --path-as-is "$BASE$path")"
  done
  expect_eq "a request line with .. as it is on the wire: 404" "HTTP/1.1 404 Not Found" \
    "$(raw 'GET /assets/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n')"
  # RFC 9112 section 3.2.2: absolute-form is accepted (any host, as any Host header is);
  # http_probe.py has the rest.
  expect_eq "an absolute-form target: its path" "HTTP/1.1 200 OK" \
    "$(raw 'GET http://example.com/healthz HTTP/1.1\r\nHost: x\r\n\r\n')"
  expect_eq "an absolute-form target of another scheme: 404" "HTTP/1.1 404 Not Found" \
    "$(raw 'GET https://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n')"
  expect_eq "garbage instead of a request: 400" "HTTP/1.1 400 Bad Request" "$(raw 'HELLO\r\n\r\n')"
  expect_eq "a request with a body: 413" "HTTP/1.1 413 Payload Too Large" \
    "$(raw 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello')"
  expect_eq "a header over 8 KiB: 431" 431 \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$BASE/")"
  expect_eq "/products/1: the product page" "200 text/html; charset=utf-8" \
    "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE/products/1")"
  expect_eq "/assets/chart.min.js: Chart.js, built in" "200 text/javascript; charset=utf-8" \
    "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$BASE/assets/chart.min.js")"
  expect_match "/metrics: Prometheus text" 'shop_serve_source_up\{view="notes",state="live"\} 1' "$(body_of /metrics)"
  expect_match "/metrics: the clients so far" 'shop_serve_stream_clients_accepted_total [5-9]' "$(body_of /metrics)"
  expect_match "/healthz: 200 and every view" '"notes": \{"state": "live", "snapshot": true' "$(body_of /healthz)"
  local in_use=0
  "$SERVE" --url "$url" --mode poll --listen "127.0.0.1:${BASE##*:}" --views notes >/dev/null 2>"$WORK_DIR/in_use.err" || in_use=$?
  expect_eq "a port in use: exit 1" 1 "$in_use"
  expect_match "... naming the address" "^shop-serve: error: cannot listen on 127.0.0.1:${BASE##*:} \(Address already in use\)" \
    "$(cat "$WORK_DIR/in_use.err")"

  # A client that stops reading is dropped past --client-buffer; the others go on.
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true
  start_serve --views notes --client-buffer 1000000
  python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect(): a small window
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/views/notes/changes HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(30)' "${BASE##*:}" &
  local sleeper=$!
  on_exit kill "$sleeper"
  curl -s -N "$BASE/api/views/notes/changes" >"$WORK_DIR/reader" &
  local reader=$!
  on_exit kill "$reader"
  wait_until "both clients are connected" '[[ $(body_of /metrics | sed -n "s/^shop_serve_stream_clients //p") == 2 ]]'
  # 12 MB of changes in events of about 200 KB: the reader keeps up; the other client's
  # socket buffers take a few MB, then its queue passes the limit.
  local round
  for ((round = 1; round <= 60; round++)); do
    sql "INSERT INTO notes SELECT g, repeat('x', 1000) FROM generate_series(1000 * $round, 1000 * $round + 199) AS g"
    sleep 0.1
  done
  wait_until "the client that does not read is dropped and counted" \
    '[[ $(body_of /metrics | sed -n "s/^shop_serve_slow_clients_dropped_total //p") == 1 ]]'
  wait_until "the reading client got every change" '[[ $($SSE changes "$WORK_DIR/reader" | wc -l) == 12000 ]]'

  # --assets: a file there is served first; nothing else in the directory's reach is.
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true
  mkdir "$WORK_DIR/assets"
  echo 'body { color: red; }' >"$WORK_DIR/assets/style.css"
  echo secret >"$WORK_DIR/outside.txt"
  ln -s "$WORK_DIR/outside.txt" "$WORK_DIR/assets/link.txt"
  start_serve --views notes --assets "$WORK_DIR/assets"
  expect_eq "--assets: its style.css instead of the built-in one" 'body { color: red; }' "$(body_of /assets/style.css)"
  expect_eq "--assets: the built-in files are still there" 200 "$(status_of /assets/dashboard.js)"
  expect_eq "--assets: a symbolic link out of the directory is not followed" 404 "$(status_of /assets/link.txt)"

  # SIGTERM: the listener closes, the streams end, the summary, status 0.
  curl -s -N "$BASE/api/views/notes/changes" >"$WORK_DIR/last" &
  local last=$!
  wait_until "a stream is open" '[[ -n $($SSE last-id "$WORK_DIR/last") ]]'
  kill -TERM "$SERVE_PID"
  local status=0
  wait "$SERVE_PID" || status=$?
  expect_eq "SIGTERM: exit 0" 0 "$status"
  expect_match "SIGTERM: the summary" 'served [0-9]+ request\(s\) and 1 event stream\(s\)' "$(cat "$WORK_DIR/serve.err")"
  local curl_status=0
  timeout 5 tail --pid="$last" -f /dev/null || curl_status=$?
  expect_eq "SIGTERM: the open stream ended" 0 "$curl_status"
  expect_fail "SIGTERM: nothing listens any more" curl -s -o /dev/null "$BASE/healthz"

  # Usage errors: one line, exit 2.
  local err
  err=$("$SERVE" --url "$url" --listen nonsense 2>&1 >/dev/null) && not_ok "--listen nonsense succeeded"
  expect_match "--listen nonsense: a usage error naming it" "^shop-serve: error: --listen: 'nonsense' is not ADDRESS:PORT" "$err"
  err=$("$SERVE" --url "$url" --listen 127.0.0.1:0 --views 'x;drop' 2>&1 >/dev/null) && not_ok "--views x;drop succeeded"
  expect_match "--views with a bad name: a usage error" "^shop-serve: error: --views: 'x;drop' is not a view's name" "$err"
  local code=0
  "$SERVE" --url "$url" --mode poll --listen 127.0.0.1:0 --views no_such_view >/dev/null 2>"$WORK_DIR/missing.err" || code=$?
  expect_eq "a view that does not exist: exit 1" 1 "$code"
  expect_match "... with the server's message" 'shop-serve: error: --views: cannot serve no_such_view \(.*no_such_view.* does not exist' "$(cat "$WORK_DIR/missing.err")"
  expect_eq "... before it says it is serving (no address printed for a server that will not serve)" "" \
    "$(grep 'serving' "$WORK_DIR/missing.err" || true)"
  expect_materialize_grammar "every statement shop-serve sent parses on Materialize" shop-serve
}

subscribe() {
  sql "$(cat "$HARNESS_DIR/../watch/subscribe_standin.sql")" >/dev/null
  sql "CREATE TABLE feed_log (mz_ts numeric NOT NULL, diff bigint NOT NULL, id int, value text);
       CREATE TABLE feed_frontier (since numeric NOT NULL, upper numeric);
       INSERT INTO feed_frontier VALUES (0, 101);
       INSERT INTO feed_log VALUES (100, 1, 1, 'a'), (100, 1, 2, 'b');
       SELECT shop_standin_install('feed_standin', 'feed', 'id int, value text', NULL)" >/dev/null
  SERVE_MODE_ARGS=()
  start_serve --subscribe-standin feed_standin --views feed
  expect_eq "subscribe: /api/views has the snapshot at the AS OF (100)" \
    '{"view": "feed", "ts": 101, "columns": ["id", "value"], "rows": [{"id": 1, "value": "a"}, {"id": 2, "value": "b"}]}' \
    "$(body_of /api/views/feed)"
  curl -s -N "$BASE/api/views/feed/changes" >"$WORK_DIR/stream" &
  local stream=$!
  on_exit kill "$stream"
  wait_until "subscribe: the stream has its snapshot" '[[ -n $($SSE last-id "$WORK_DIR/stream") ]]'
  # An update at 102 closed by progress to 103; an insert at 104 not closed yet.
  sql "INSERT INTO feed_log VALUES (102, -1, 1, 'a'), (102, 1, 1, 'A'), (104, 1, 3, 'c');
       UPDATE feed_frontier SET upper = 103"
  wait_until "subscribe: the update reaches the stream" '[[ $($SSE changes "$WORK_DIR/stream" | wc -l) == 2 ]]'
  sleep 1.5 # more FETCHes: nothing at 104 may show before progress passes it
  expect_eq "subscribe: only what progress closed, -old before +new" '-1	{"id": 1, "value": "a"}
1	{"id": 1, "value": "A"}' "$($SSE changes "$WORK_DIR/stream")"
  # The connection is lost; meanwhile 104 is closed and a delete at 105 too.
  sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = 'shop-serve'" >/dev/null
  sql "INSERT INTO feed_log VALUES (105, -1, 2, 'b'); UPDATE feed_frontier SET upper = 106"
  wait_until "subscribe: after the reconnect, the missed changes" '[[ $($SSE changes "$WORK_DIR/stream" | wc -l) == 4 ]]'
  sleep 0.5
  expect_eq "subscribe: exactly the missed changes, nothing twice" '-1	{"id": 1, "value": "a"}
1	{"id": 1, "value": "A"}
1	{"id": 3, "value": "c"}
-1	{"id": 2, "value": "b"}' "$($SSE changes "$WORK_DIR/stream")"
  expect_match "subscribe: the stream said it was reconnecting" '"state": "reconnecting"' "$(cat "$WORK_DIR/stream")"
  expect_eq "subscribe: one snapshot only" 1 "$($SSE events "$WORK_DIR/stream" | grep -c '^snapshot')"
  expect_eq "subscribe: the rows now" '{"id": 1, "value": "A"}
{"id": 3, "value": "c"}' "$(rows_of feed)"
  expect_match "subscribe: /metrics counts the reconnect" 'shop_serve_source_reconnects_total\{view="feed"\} 1' "$(body_of /metrics)"
  expect_materialize_grammar "subscribe: every statement shop-serve sent parses on Materialize" shop-serve
}

# resume: the change stream of several views (/api/changes?views=A,B) resumed with
# Last-Event-ID from wherever a client lost its connection (issue 24): each view's
# missing snapshot or missed changes, nothing twice, ids that always rise.
# take FILE PATH N [ID]: the stream's first N events with an id, then disconnect.
take() {
  $SSE take "${BASE##*:}" "$2" "$3" "${4:-}" >"$WORK_DIR/$1" || not_ok "$1: fewer than $3 events came"
}
# follow FILE PATH [ID]: the stream from there on, in the background (killed at the end).
follow() {
  curl -s -N ${3:+-H "Last-Event-ID: $3"} "$BASE$2" >"$WORK_DIR/$1" &
  on_exit kill "$!"
}
# The rows of both tables as sse.py view-state prints them.
resume_truth() {
  psql -X -q -At -F $'\t' "$url" -c "SELECT 'stream_a', id, body FROM stream_a UNION ALL
                                      SELECT 'stream_b', id, body FROM stream_b" | sort
}
# churn WIDTH: changes to both tables, 40 a second, in the background until stop_churn
# (a minute at most). b's rows are WIDTH characters long (a small --history keeps few of
# b's events).
churn() {
  python3 - "$1" >"$WORK_DIR/churn.sql" <<'PY'
import sys
width = int(sys.argv[1])
for i in range(60 * 40):
    table, body = ("stream_a", f"'a{i}'") if i % 2 == 0 else ("stream_b", f"repeat('b', {width}) || '{i}'")
    if i % 6 >= 4:
        print(f"DELETE FROM {table} WHERE id = (SELECT min(id) FROM {table});")
    elif i % 6 == 3:
        print(f"UPDATE {table} SET body = body || 'u' WHERE id = (SELECT max(id) FROM {table});")
    else:
        print(f"INSERT INTO {table} VALUES ({1000 + i}, {body});")
    print("SELECT pg_sleep(0.025);")
PY
  psql -X -q -o /dev/null "$url" -f "$WORK_DIR/churn.sql" &
  CHURN_PID=$!
  on_exit kill "$CHURN_PID"
}
stop_churn() {
  kill "$CHURN_PID"
  wait "$CHURN_PID" 2>/dev/null || true
}
# caught_up WHAT FILE...: the files' events add up to both tables' rows (after the churn).
caught_up() {
  local what=$1 _ file files=()
  shift
  for file in "$@"; do files+=("$WORK_DIR/$file"); done
  resume_truth >"$WORK_DIR/truth"
  for _ in $(seq 50); do
    $SSE view-state "${files[@]}" >"$WORK_DIR/rebuilt"
    cmp -s "$WORK_DIR/truth" "$WORK_DIR/rebuilt" && break
    sleep 0.1
  done
  if cmp -s "$WORK_DIR/truth" "$WORK_DIR/rebuilt"; then
    ok "$what: the client has exactly both views' rows"
  else
    not_ok "$what: the client's rows differ from the tables: $(diff "$WORK_DIR/truth" "$WORK_DIR/rebuilt" | head -n 4 | tr '\n' ' ')"
  fi
  expect_eq "$what: every id after the one before" "" "$($SSE check-ids "${files[@]}")"
}
kinds_of() { $SSE kinds "$WORK_DIR/$1" | sort -u | tr '\t\n' ': ' | sed 's/ $//'; }

resume() {
  sql "CREATE TABLE stream_a (id int, body text); CREATE TABLE stream_b (id int, body text);
       INSERT INTO stream_a VALUES (1, 'a1'), (2, 'a2'); INSERT INTO stream_b VALUES (1, 'b1')"
  local both='/api/changes?views=stream_a,stream_b' k
  start_serve --views stream_a,stream_b
  churn 4

  # 1. An id from /api/views/A/changes, used on ?views=A,B: B's snapshot, A's missed changes.
  take one.1 /api/views/stream_a/changes 3
  sleep 0.3
  follow one.2 "$both" "$($SSE last-id "$WORK_DIR/one.1")"
  # 2. Lost between the two snapshots of ?views=A,B, resumed with the first one's id.
  take two.1 "$both" 1
  expect_eq "2: the first connection got A's snapshot only" "snapshot:stream_a" "$(kinds_of two.1)"
  follow two.2 "$both" "$($SSE last-id "$WORK_DIR/two.1")"
  # Lost after k events, for every k from the first event to past both snapshots, on the
  # first connection and again on the one that resumes it; then resumed for good.
  for ((k = 1; k <= 6; k++)); do
    take "k$k.1" "$both" "$k"
    sleep 0.1
    take "k$k.2" "$both" "$k" "$($SSE last-id "$WORK_DIR/k$k.1")"
    sleep 0.1
    follow "k$k.3" "$both" "$($SSE last-id "$WORK_DIR/k$k.2")"
  done
  stop_churn
  expect_eq "1: no snapshot of A again, B's snapshot, A's changes" "changes:stream_a snapshot:stream_b" \
    "$(kinds_of one.2 | sed 's/ changes:stream_b//')"
  caught_up "1: an id from A's stream on A,B" one.1 one.2
  expect_eq "2: the resumed connection: B's snapshot, not A's again" "snapshot:stream_b" \
    "$($SSE kinds "$WORK_DIR/two.2" | grep snapshot | sort -u | tr '\t' ':')"
  caught_up "2: lost between the snapshots" two.1 two.2
  for ((k = 1; k <= 6; k++)); do caught_up "lost after $k events, twice" "k$k.1" "k$k.2" "k$k.3"; done

  # 3. A small --history under churn: a view whose missed events are gone starts again
  # from a snapshot, the others resume; ids still rise and never repeat.
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true
  start_serve --views stream_a,stream_b --history 700
  churn 300
  for ((k = 1; k <= 6; k++)); do
    take "h$k.1" "$both" "$((k + 2))"
    sleep 0.3
    take "h$k.2" "$both" "$k" "$($SSE last-id "$WORK_DIR/h$k.1")"
    sleep 0.2
    follow "h$k.3" "$both" "$($SSE last-id "$WORK_DIR/h$k.2")"
  done
  stop_churn
  for ((k = 1; k <= 6; k++)); do caught_up "3: --history 700, lost twice ($k)" "h$k.1" "h$k.2" "h$k.3"; done
  expect_match "3: some resumes started a view again from a snapshot" '[1-9]' \
    "$(cat "$WORK_DIR"/h?.2 | grep -c '^event: snapshot' || true)"

  # A product page's stream (/api/items/ID/changes): its item's rows of inventory_status
  # only, and resumed with only that item's missed changes.
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true
  sql "CREATE TABLE inventory_status (item_id bigint, name text, stock int);
       INSERT INTO inventory_status VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)"
  start_serve --views inventory_status
  follow item.all /api/items/2/changes
  take item.1 /api/items/2/changes 1
  local i
  for ((i = 0; i < 9; i++)); do
    sql "UPDATE inventory_status SET stock = stock - 1 WHERE item_id = $((1 + i % 3))"
    sleep 0.15
  done
  sql "INSERT INTO inventory_status VALUES (4, 'four', 40); DELETE FROM inventory_status WHERE item_id = 3"
  follow item.2 /api/items/2/changes "$($SSE last-id "$WORK_DIR/item.1")"
  local item_truth _
  item_truth=$(psql -X -q -At -F $'\t' "$url" -c "SELECT 'inventory_status', item_id, name, stock FROM inventory_status WHERE item_id = 2")
  for _ in $(seq 50); do
    [[ $($SSE view-state "$WORK_DIR/item.all") == "$item_truth" && $($SSE view-state "$WORK_DIR/item.1" "$WORK_DIR/item.2") == "$item_truth" ]] && break
    sleep 0.1
  done
  expect_eq "an item's stream: its row, as it is now" "$item_truth" "$($SSE view-state "$WORK_DIR/item.all")"
  expect_eq "an item's stream: its snapshot has its row only" '{"item_id": 2, "name": "two", "stock": 20}' \
    "$(python3 -c 'import json, sys; [print(json.dumps(r)) for r in json.loads(sys.argv[1])["rows"]]' \
      "$(sed -n 's/^data: \(.*"rows".*\)/\1/p' "$WORK_DIR/item.1")")"
  expect_eq "an item's stream: its changes only (-old +new for each of its 3 updates)" "6 0" \
    "$($SSE changes "$WORK_DIR/item.all" | wc -l) $($SSE changes "$WORK_DIR/item.all" | grep -vc '"item_id": 2,' || true)"
  expect_eq "an item's stream resumed: no snapshot, its missed changes" "changes:inventory_status" "$(kinds_of item.2)"
  expect_eq "... adding up to its row" "$item_truth" "$($SSE view-state "$WORK_DIR/item.1" "$WORK_DIR/item.2")"
  expect_eq "... ids that rise" "" "$($SSE check-ids "$WORK_DIR/item.1" "$WORK_DIR/item.2")"
  expect_eq "/api/items/x/changes: 404" 404 "$(status_of /api/items/x/changes)"
}

# probe ARGS...: runs serve/http_probe.py ARGS... PORT...; counts its checks.
probe() {
  local command=$1 line
  shift
  while IFS= read -r line; do
    case $line in
      ok$'\t'*) ok "${line#ok$'\t'}" ;;
      fail$'\t'*) not_ok "${line#fail$'\t'}" ;;
      *) not_ok "http_probe.py: $line" ;;
    esac
  done < <($PROBE "$command" "${BASE##*:}" "$@" 2>&1 || echo "exited with status $?")
}

http() {
  sql "CREATE TABLE notes (id int, body text); INSERT INTO notes VALUES (1, 'one')"
  start_serve --views notes --idle-timeout 2s
  probe framing notes
  expect_ok "shop-serve is still running" kill -0 "$SERVE_PID"
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true

  # HEAD of a change stream while heartbeats fall due all the time: before the fix, 5%
  # of 500 carried a heartbeat as their body here, 12% with the cores busy.
  start_serve --views notes --heartbeat 1ms
  probe heads notes 300
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true

  # More stream clients than the open files limit allows (RLIMIT_NOFILE, soft and hard).
  SERVE_OPEN_FILES=256 start_serve --views notes
  probe capacity notes 300
  expect_ok "shop-serve is still running" kill -0 "$SERVE_PID"
  expect_eq "no failed accept (out of file descriptors)" "" "$(grep 'cannot accept' "$WORK_DIR/serve.err" || true)"
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true
  local usage=0
  "$SERVE" --url "$url" --listen 127.0.0.1:0 --max-connections 0 >/dev/null 2>"$WORK_DIR/usage.err" || usage=$?
  expect_eq "--max-connections 0: exit 2" 2 "$usage"
  expect_match "--max-connections in --help" '--max-connections' "$("$SERVE" --help)"
}

restart() {
  sql "CREATE TABLE counter (id serial PRIMARY KEY, value int)"
  start_serve --views counter
  curl -s -N "$BASE/api/views/counter/changes" >"$WORK_DIR/stream" &
  local stream=$! i
  on_exit kill "$stream"
  wait_until "the stream has its snapshot" '[[ -n $($SSE last-id "$WORK_DIR/stream") ]]'
  (for ((i = 1; i <= 120; i++)); do
    psql -X -q "$url" -c "INSERT INTO counter (value) VALUES ($i); UPDATE counter SET value = value + 1000 WHERE id % 7 = 0 AND value < 1000; DELETE FROM counter WHERE id % 11 = 0" 2>/dev/null || true
    sleep 0.05
  done) &
  local writer=$!
  sleep 1
  "$SERVICES_SH" stop postgres
  on_exit "$SERVICES_SH" start postgres
  wait_until "/healthz: 503 while the source is away" '[[ $(status_of /healthz) == 503 ]]'
  wait_until "the stream says the source is reconnecting" 'grep -q "\"state\": \"reconnecting\"" "$WORK_DIR/stream"'
  expect_match "/metrics: the source is down" 'shop_serve_source_up\{view="counter",state="reconnecting"\} 0' "$(body_of /metrics)"
  "$SERVICES_SH" start postgres
  wait "$writer"
  wait_until "/healthz: 200 once it is back" '[[ $(status_of /healthz) == 200 ]]'

  # A hung server (its backends stopped, connections open): the source stays "live" but
  # stops progressing; /healthz applies the pages' staleness rule (5 s here) and says so.
  local backends
  backends=$(psql -X -At "$url" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'shop-serve'" | tr '\n' ' ')
  [[ -n ${backends// /} ]] || not_ok "no shop-serve backend found in pg_stat_activity"
  # shellcheck disable=SC2086 # one pid per word
  kill -STOP $backends
  # shellcheck disable=SC2086
  on_exit kill -CONT $backends
  wait_until "/healthz: 503 while the server hangs" '[[ $(status_of /healthz) == 503 ]]'
  expect_match "  ... naming the view as stale, with how long" \
    '"counter": \{"state": "live", "snapshot": true, "stale": true, .*"message": "no progress from the source for [0-9.]+ s \(stale after 5 s\)"' \
    "$(body_of /healthz)"
  wait_until "the stream's clients are told: a status event with state stale" \
    'grep -q "\"state\": \"stale\".*no progress from the source for over 5 s" "$WORK_DIR/stream"'
  # shellcheck disable=SC2086
  kill -CONT $backends
  wait_until "/healthz: 200 once the server answers again" '[[ $(status_of /healthz) == 200 ]]'
  wait_until "  ... and the stream's clients that it is live again" \
    '[[ $(grep -o "\"state\": \"[a-z]*\"" "$WORK_DIR/stream" | tail -n 1) == "\"state\": \"live\"" ]]'
  sleep 0.5 # a few polls after the last write
  psql -X -q -At -F $'\t' "$url" -c "SELECT id, value FROM counter" | sort >"$WORK_DIR/truth"
  expect_match "the table changed meanwhile" '^[0-9]{2,}$' "$(wc -l <"$WORK_DIR/truth" | tr -d ' ')"
  local _
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    $SSE state "$WORK_DIR/stream" >"$WORK_DIR/replayed"
    cmp -s "$WORK_DIR/truth" "$WORK_DIR/replayed" && break
    sleep 0.2
  done
  if cmp -s "$WORK_DIR/truth" "$WORK_DIR/replayed"; then
    ok "the stream's snapshot and changes add up to the table: nothing missed, nothing twice"
  else
    not_ok "the stream differs from the table: $(diff "$WORK_DIR/truth" "$WORK_DIR/replayed" | head -n 5)"
  fi
  expect_eq "one snapshot only: after the reconnect, only the missed changes" 1 \
    "$($SSE events "$WORK_DIR/stream" | grep -c '^snapshot')"
  expect_eq "/api/views equals the table" "$(cat "$WORK_DIR/truth")" \
    "$(body_of /api/views/counter | python3 -c 'import json, sys; [print(r["id"], r["value"], sep="\t") for r in json.load(sys.stdin)["rows"]]' | sort)"
}

browser() {
  local browser_dir=$REPO_ROOT/tests/browser
  [[ -x /usr/bin/chromium ]] || die "/usr/bin/chromium is missing (Debian package chromium; scripts/test.sh installs it)"
  [[ -d $browser_dir/node_modules/playwright-core ]] ||
    die "playwright-core is missing: (cd tests/browser && npm ci) (scripts/test.sh does it)"
  # The demo's views, as materialize_views_test.sh makes them on PostgreSQL, over the
  # source stand-ins, with an hour of purchases for the order trends ("now" is
  # 2026-01-01 12:00:00 in the rewritten temporal filters).
  export PGTZ=UTC
  "$MZSQL" --dry-run --var LOW_STOCK_THRESHOLD=100 "$REPO_ROOT/sql/materialize/02_mysql_sources.sql" \
    "$REPO_ROOT/sql/materialize/03_pageviews.sql" "$REPO_ROOT/sql/materialize/04_views.sql" >"$WORK_DIR/views.mz.sql"
  "$HARNESS_DIR/../materialize/rewrite_for_postgres.sh" <"$WORK_DIR/views.mz.sql" >"$WORK_DIR/views.pg.sql"
  "$MZSQL" -q --url "$url" "$HARNESS_DIR/../materialize/source_tables.sql" "$WORK_DIR/views.pg.sql"
  sql "INSERT INTO mysql_purchases
       SELECT 100 + g, 1 + g % 3, 1 + g % 4, CASE WHEN g % 9 = 0 THEN 0 ELSE 1 END, 1 + g % 3,
              (1 + g % 3) * 10.00, TIMESTAMP '2026-01-01 11:00:00' + g * INTERVAL '31 seconds',
              TIMESTAMP '2026-01-01 11:00:00' + g * INTERVAL '31 seconds'
       FROM generate_series(1, 110) AS g"
  # And the product views those orders came from (about 500 per item over the hour), so
  # the funnel's conversion is a share as in the demo, not orders over a handful of views.
  sql "INSERT INTO pageviews_raw
       SELECT jsonb_build_object('user_id', 1 + g % 3, 'url', '/products/' || (1 + g % 4), 'channel', 'organic search',
                                 'received_at', extract(epoch FROM at)::bigint), at
       FROM (SELECT g, TIMESTAMP '2026-01-01 11:00:00' + g * INTERVAL '1700 milliseconds' AS at
             FROM generate_series(1, 2000) AS g) AS v"
  start_serve
  local screenshots=${SHOP_SCREENSHOT_DIR:-$WORK_DIR/screenshots}
  if SHOP_SERVE_URL=$BASE SHOP_SERVE_PID=$SERVE_PID SHOP_TEST_DB_URL=$url SHOP_SCREENSHOT_DIR=$screenshots \
    node "$browser_dir/pages.test.mjs"; then
    ok "the pages in chromium (screenshots in $screenshots)"
  else
    not_ok "the pages in chromium"
  fi

  # A page's stream refused past --max-connections (503), which a browser never retries.
  kill "$SERVE_PID"
  wait "$SERVE_PID" || true
  start_serve --max-connections 2 --idle-timeout 1s
  if SHOP_SERVE_URL=$BASE SHOP_TEST_DB_URL=$url SHOP_VIEW=top_items node "$browser_dir/reconnect.test.mjs"; then
    ok "a page's stream refused with 503 is opened again once a connection is free"
  else
    not_ok "a page's stream refused with 503 is opened again once a connection is free"
  fi
}

case $PART in
  api) api ;;
  resume) resume ;;
  subscribe) subscribe ;;
  http) http ;;
  restart) restart ;;
  browser) browser ;;
  *) die "unknown part '$PART' (expected api, resume, subscribe, http, restart or browser)" ;;
esac
