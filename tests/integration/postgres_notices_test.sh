#!/usr/bin/env bash
# What a PostgreSQL-wire program prints besides its output, against the harness's
# PostgreSQL: nothing from its own probing (shop-watch and shop-serve ask mz_version()
# to tell Materialize from PostgreSQL; a ROLLBACK after it drew "WARNING: there is no
# transaction in progress"), and the server's own notices as the program's diagnostics,
# one prefixed line each, silenced by -q.
#   postgres_notices_test.sh SHOP_WATCH SHOP_SERVE
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly WATCH=${1:?usage: postgres_notices_test.sh SHOP_WATCH SHOP_SERVE}
readonly SERVE=${2:?usage: postgres_notices_test.sh SHOP_WATCH SHOP_SERVE}
postgres_test_database "pg_notices_$$"

sql "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'a')"
sql "CREATE FUNCTION noisy() RETURNS int LANGUAGE plpgsql AS \$\$ BEGIN RAISE NOTICE 'from the server'; RETURN 1; END \$\$"
sql "CREATE VIEW noisy_items AS SELECT id, name, noisy() AS n FROM items"

status=0
"$WATCH" --url "$url" --format jsonl --count 1 items >"$WORK_DIR/out" 2>"$WORK_DIR/err" || status=$?
expect_eq "shop-watch (poll) on PostgreSQL: its row, and nothing on stderr" "0 1 " \
  "$status $(grep -c '' "$WORK_DIR/out") $(cat "$WORK_DIR/err")"

status=0
"$WATCH" --url "$url" --format jsonl --count 1 noisy_items >"$WORK_DIR/out" 2>"$WORK_DIR/err" || status=$?
expect_eq "a server NOTICE: one line in shop-watch's style" "0 shop-watch: server NOTICE: from the server" \
  "$status $(sort -u "$WORK_DIR/err")"
status=0
"$WATCH" -q --url "$url" --format jsonl --count 1 noisy_items >"$WORK_DIR/out" 2>"$WORK_DIR/err" || status=$?
expect_eq "... and -q silences it" "0 " "$status $(cat "$WORK_DIR/err")"

# shop-serve in its default mode (it probes for Materialize): its own lines only.
"$SERVE" --url "$url" --views items --listen 127.0.0.1:0 >"$WORK_DIR/serve.out" 2>"$WORK_DIR/serve.err" &
serve=$!
on_exit kill "$serve"
wait_for_serve "$serve" "$WORK_DIR/serve.err"
sleep 0.5
expect_eq "shop-serve (default mode) on PostgreSQL: no WARNING or server line at start" "" \
  "$(grep -iE 'warning|server (NOTICE|WARNING)' "$WORK_DIR/serve.err" || true)"
