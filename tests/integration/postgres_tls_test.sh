#!/usr/bin/env bash
# The PostgreSQL-wire programs over TLS, against the harness's PostgreSQL (ssl = on, the
# harness CA's server certificate for localhost and 127.0.0.1, client certificates
# checked against the CA; scripts/services.sh). libpq's sslmode, sslrootcert, sslcert
# and sslkey, in the URL, a key=value conninfo or PGSSL* variables, reach libpq as given.
#   postgres_tls_test.sh SHOP_MZSQL SHOP_WATCH SHOP_SERVE basic    verify-full: shop-mzsql
#       (URL, key=value, PGSSL* variables, host localhost, a client certificate),
#       shop-watch in poll mode and through the SUBSCRIBE stand-in; a wrong CA, a name
#       not in the certificate, missing files: one line, exit 1 (verification) or 2 (files)
#   postgres_tls_test.sh SHOP_MZSQL SHOP_WATCH SHOP_SERVE restart  shop-serve reconnects
#       over TLS after PostgreSQL restarts, still verifying (RESOURCE_LOCK postgres)
# wait_until CONDITION is evaluated later, again and again: single quotes on purpose.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly USAGE="usage: postgres_tls_test.sh SHOP_MZSQL SHOP_WATCH SHOP_SERVE basic|restart"
readonly MZSQL=${1:?$USAGE}
readonly WATCH=${2:?$USAGE}
readonly SERVE=${3:?$USAGE}
readonly PART=${4:?$USAGE}
for program in "$MZSQL" "$WATCH" "$SERVE"; do [[ -x $program ]] || die "not an executable: $program"; done
[[ -n ${SHOP_TLS_DIR:-} && -r $SHOP_TLS_DIR/ca.pem ]] || die "SHOP_TLS_DIR has no ca.pem (scripts/services.sh env sets it)"
readonly CA=$SHOP_TLS_DIR/ca.pem OTHER_CA=$SHOP_TLS_DIR/other-ca.pem
readonly CERT=$SHOP_TLS_DIR/client.pem KEY=$SHOP_TLS_DIR/client.key
postgres_test_database "pgtls_test_${PART}_$$"
PORT=$(url_port "$DATABASE_URL")
readonly PORT
# No ~/.postgresql/root.crt or postgresql.crt: a dropped sslrootcert or sslcert fails or
# shows, instead of libpq finding a default; no PGSSL* variable from outside.
export HOME=$WORK_DIR
unset PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE
readonly TLS="$url?sslmode=verify-full&sslrootcert=$CA"

# run PROGRAM ARGS...: runs it; its status in STATUS, stdout in OUT, stderr in ERR.
run() {
  STATUS=0
  "$@" >"$WORK_DIR/out" 2>"$WORK_DIR/err" || STATUS=$?
  OUT=$(cat "$WORK_DIR/out")
  ERR=$(cat "$WORK_DIR/err")
}
# query CONNINFO SQL: shop-mzsql's CSV result without its header.
query() { run "$MZSQL" --url "$1" --format csv -c "$2"; OUT=$(tail -n +2 <<<"$OUT"); }
# sessions APP: "t|f CLIENT_DN|-" of each session of APP on the test database, sorted.
sessions() {
  sql "SELECT format('%s %s', s.ssl, coalesce(s.client_dn, '-')) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
       WHERE a.datname = current_database() AND a.application_name = '$1' ORDER BY 1"
}
# expect_one_line_failure WHAT STATUS REGEX: the last run failed with STATUS and one line on
# stderr matching REGEX.
expect_one_line_failure() {
  expect_eq "$1: exit $2" "$2" "$STATUS"
  expect_eq "$1: one line on stderr" 1 "$(grep -c '' <<<"$ERR")"
  expect_match "$1: says why" "$3" "$ERR"
}
# wait_until WHAT CONDITION: evaluates CONDITION until it holds (15 s at most).
wait_until() {
  local deadline=$((SECONDS + 15))
  until eval "$2"; do
    if ((SECONDS >= deadline)); then
      not_ok "$1 (waited 15 s)"
      return 0
    fi
    sleep 0.05
  done
  ok "$1"
}

basic() {
  # shop-mzsql: a script and a query, verify-full against the harness CA.
  cat >"$WORK_DIR/schema.sql" <<'EOF'
CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items VALUES (1, 'widget');
CREATE VIEW item_names AS SELECT id, name FROM items;
EOF
  run "$MZSQL" -q --url "$TLS" "$WORK_DIR/schema.sql"
  expect_eq "shop-mzsql applies a script over verify-full" "0 " "$STATUS $ERR"
  query "$TLS" "SELECT ssl, coalesce(client_dn, '-') FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  expect_eq "shop-mzsql: the session is encrypted, no client certificate" "0 t,-" "$STATUS $OUT"
  query "$TLS" "SELECT name FROM item_names"
  expect_eq "shop-mzsql: a query over verify-full" "0 widget" "$STATUS $OUT"
  query "postgres://postgres@localhost:$PORT/$db?sslmode=verify-full&sslrootcert=$CA" "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  expect_eq "verify-full with host localhost (in the certificate)" "0 t" "$STATUS $OUT"
  query "host=127.0.0.1 port=$PORT user=postgres dbname=$db sslmode=verify-full sslrootcert='$CA'" "SELECT 1"
  expect_eq "verify-full in key=value form" "0 1" "$STATUS $OUT"

  # A client certificate: in the URL, and from PGSSL* variables under a URL without them.
  query "$TLS&sslcert=$CERT&sslkey=$KEY" "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  expect_eq "sslcert/sslkey in the URL: the server sees the client certificate" "0 t,/CN=shop-client" "$STATUS $OUT"
  PGSSLMODE=verify-full PGSSLROOTCERT=$CA PGSSLCERT=$CERT PGSSLKEY=$KEY \
    query "$url" "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  expect_eq "PGSSLMODE/PGSSLROOTCERT/PGSSLCERT/PGSSLKEY apply under a URL" "0 t,/CN=shop-client" "$STATUS $OUT"
  PGSSLMODE=verify-full PGSSLROOTCERT=$OTHER_CA query "$url" "SELECT 1"
  expect_one_line_failure "PGSSLROOTCERT=other-ca.pem: verification fails" 1 'certificate verify failed'
  PGSSLMODE=disable query "$url" "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  expect_eq "PGSSLMODE=disable: not encrypted" "0 f" "$STATUS $OUT"
  PGSSLROOTCERT=$OTHER_CA query "$TLS" "SELECT 1"
  expect_eq "the URL's sslrootcert wins over PGSSLROOTCERT" "0 1" "$STATUS $OUT"

  # Verification failures: exit 1, one line saying which.
  local wrong="$url?sslmode=verify-full&sslrootcert=$OTHER_CA"
  query "$wrong" "SELECT 1"
  expect_one_line_failure "shop-mzsql, wrong CA" 1 '^shop-mzsql: error: cannot connect to .*other-ca.pem .*certificate verify failed\)$'
  run timeout 20 "$WATCH" --url "$wrong" --mode poll item_names
  expect_one_line_failure "shop-watch, wrong CA" 1 '^shop-watch: error: cannot connect .*certificate verify failed\)$'
  run timeout 20 "$SERVE" --url "$wrong" --views item_names --listen 127.0.0.1:0
  expect_one_line_failure "shop-serve, wrong CA" 1 '^shop-serve: error: cannot connect .*certificate verify failed\)$'
  run timeout 20 "$SERVE" --url "$wrong" --mode poll --views item_names --listen 127.0.0.1:0
  expect_eq "shop-serve --mode poll, wrong CA: exit 1" 1 "$STATUS"
  expect_match "shop-serve --mode poll, wrong CA: the error on one line" \
    $'(^|\n)shop-serve: error: cannot connect [^\n]*certificate verify failed\\)$' "$ERR"
  query "host=wrong.example hostaddr=127.0.0.1 port=$PORT user=postgres dbname=$db sslmode=verify-full sslrootcert=$CA" "SELECT 1"
  expect_one_line_failure "verify-full, a name not in the certificate" 1 'does not match host name "wrong.example"'
  query "host=wrong.example hostaddr=127.0.0.1 port=$PORT user=postgres dbname=$db sslmode=verify-ca sslrootcert=$CA" \
    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
  expect_eq "verify-ca does not check the name" "0 t" "$STATUS $OUT"
  # Two hosts, the first refusing: the line names both failures, the TLS one included.
  query "host=127.0.0.3,127.0.0.1 port=$PORT user=postgres dbname=$db sslmode=verify-full sslrootcert=$OTHER_CA" "SELECT 1"
  expect_one_line_failure "two hosts, the second with a wrong CA" 1 '"127.0.0.3".*Connection refused; connection to server at "127.0.0.1".*certificate verify failed\)$'

  # Missing files: the user's to fix, exit 2, checked before connecting.
  query "$url?sslmode=verify-full&sslrootcert=$WORK_DIR/nope.pem" "SELECT 1"
  expect_one_line_failure "missing sslrootcert" 2 "^shop-mzsql: error: sslrootcert: cannot read $WORK_DIR/nope.pem \(No such file or directory\)$"
  query "$TLS&sslcert=$WORK_DIR/nope.pem&sslkey=$KEY" "SELECT 1"
  expect_one_line_failure "missing sslcert (libpq would send none, silently)" 2 "sslcert: cannot read $WORK_DIR/nope.pem"
  PGSSLKEY=$WORK_DIR/nope.key query "$TLS&sslcert=$CERT" "SELECT 1"
  expect_one_line_failure "missing PGSSLKEY" 2 "PGSSLKEY: cannot read $WORK_DIR/nope.key"
  run timeout 20 "$WATCH" --url "$url?sslmode=require&sslrootcert=$WORK_DIR/nope.pem" --mode poll item_names
  expect_one_line_failure "shop-watch, missing sslrootcert" 2 "^shop-watch: error: sslrootcert: cannot read"
  run timeout 20 "$SERVE" --url "$url?sslrootcert=$WORK_DIR/nope.pem" --mode poll --views item_names --listen 127.0.0.1:0
  expect_eq "shop-serve, missing sslrootcert: exit 2" 2 "$STATUS"
  expect_match "shop-serve, missing sslrootcert: says which" "shop-serve: error: sslrootcert: cannot read $WORK_DIR/nope.pem" "$ERR"

  # shop-watch, poll mode, with a client certificate: follows the view.
  "$WATCH" --url "$TLS&sslcert=$CERT&sslkey=$KEY" --mode poll --interval 100ms --format changes item_names \
    >"$WORK_DIR/watch.out" 2>"$WORK_DIR/watch.err" &
  local watch=$!
  on_exit kill "$watch"
  wait_until "shop-watch (poll, TLS): the snapshot" 'grep -q "widget" "$WORK_DIR/watch.out"'
  expect_eq "shop-watch's session: encrypted, with the client certificate" "t /CN=shop-client" "$(sessions shop-watch)"
  sql "INSERT INTO items VALUES (2, 'gadget')"
  wait_until "shop-watch (poll, TLS) sees the insert" 'grep -q "+1	2	gadget" "$WORK_DIR/watch.out"'
  kill -INT "$watch"
  wait "$watch" || true

  # shop-watch through the SUBSCRIBE stand-in (a cursor, FETCH with timeouts), over TLS.
  sql "$(cat "$REPO_ROOT/tests/integration/watch/subscribe_standin.sql")" >/dev/null
  sql "CREATE TABLE basic_log (mz_ts numeric NOT NULL, diff bigint NOT NULL, id int, value text);
       CREATE TABLE basic_frontier (since numeric NOT NULL, upper numeric);
       INSERT INTO basic_frontier VALUES (0, 0);
       SELECT shop_standin_install('basic_standin', 'basic', 'id int, value text', NULL)" >/dev/null
  sql "INSERT INTO basic_log VALUES (100, 1, 1, 'a'), (105, 1, 1, 'A'), (105, -1, 1, 'a');
       UPDATE basic_frontier SET upper = 106"
  run timeout 20 "$WATCH" --url "$TLS" --format changes --as-of 100 --up-to 106 --subscribe-standin basic_standin basic
  expect_eq "shop-watch (SUBSCRIBE stand-in, TLS): the snapshot and the change" "0 100	+1	1	a
105	-1	1	a
105	+1	1	A" "$STATUS $OUT"
  run timeout 20 "$WATCH" --url "$wrong" --format changes --as-of 100 --up-to 106 --subscribe-standin basic_standin basic
  expect_one_line_failure "shop-watch (SUBSCRIBE stand-in), wrong CA" 1 'certificate verify failed\)$'
}

restart() {
  # shop-serve with its own copy of the CA, so that the CA can be wrong while PostgreSQL
  # is away: the reconnect must verify (sslmode, sslrootcert kept) and send the client
  # certificate (sslcert, sslkey kept).
  cp -- "$CA" "$WORK_DIR/ca.pem"
  sql "CREATE TABLE notes (id int, body text); INSERT INTO notes VALUES (1, 'one')"
  "$SERVE" -v --url "$url?sslmode=verify-full&sslrootcert=$WORK_DIR/ca.pem&sslcert=$CERT&sslkey=$KEY" --mode poll \
    --interval 100ms --retry-for 60s --views notes --listen 127.0.0.1:0 >"$WORK_DIR/serve.out" 2>"$WORK_DIR/serve.err" &
  local serve=$! port=""
  on_exit kill "$serve"
  local deadline=$((SECONDS + 10))
  until port=$(sed -n 's|.* on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$WORK_DIR/serve.err") && [[ -n $port ]]; do
    ((SECONDS < deadline)) || die "shop-serve did not start: $(cat "$WORK_DIR/serve.err")"
    kill -0 "$serve" 2>/dev/null || die "shop-serve exited: $(cat "$WORK_DIR/serve.err")"
    sleep 0.05
  done
  local base=http://127.0.0.1:$port
  BASE=$base
  status_of() { curl -s -o /dev/null -w '%{http_code}' "$BASE$1"; }
  notes() { curl -s "$BASE/api/views/notes" | python3 -c 'import json, sys; print(" ".join(r["body"] for r in json.load(sys.stdin)["rows"]))'; }
  wait_until "shop-serve over TLS serves the view" '[[ $(notes) == one ]]'
  expect_eq "shop-serve's session: encrypted, with the client certificate" "t /CN=shop-client" "$(sessions shop-serve)"

  "$SERVICES_SH" stop postgres
  on_exit "$SERVICES_SH" start postgres
  wait_until "/healthz: 503 while PostgreSQL is away" '[[ $(status_of /healthz) == 503 ]]'
  cp -- "$OTHER_CA" "$WORK_DIR/ca.pem"
  "$SERVICES_SH" start postgres >/dev/null
  wait_until "with the wrong CA, reconnecting fails verification" 'grep -q "certificate verify failed" "$WORK_DIR/serve.err"'
  sleep 1
  expect_eq "... and shop-serve stays disconnected (it does not fall back to no TLS)" 503 "$(status_of /healthz)"
  expect_eq "... with no session on the server" "" "$(sessions shop-serve)"
  cp -- "$CA" "$WORK_DIR/ca.pem"
  wait_until "with the right CA again, shop-serve reconnects" '[[ $(status_of /healthz) == 200 ]]'
  sql "INSERT INTO notes VALUES (2, 'two')"
  wait_until "shop-serve serves the view again, with the change" '[[ $(notes) == "one two" || $(notes) == "two one" ]]'
  expect_eq "the new session: encrypted, with the client certificate" "t /CN=shop-client" "$(sessions shop-serve)"
  kill -TERM "$serve"
  local status=0
  wait "$serve" || status=$?
  expect_eq "shop-serve: SIGTERM ends it with 0" 0 "$status"
}

case $PART in
  basic) basic ;;
  restart) restart ;;
  *) die "$USAGE" ;;
esac
