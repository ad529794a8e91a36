#!/usr/bin/env bash
# shop-restock against the harness's MariaDB.
#   restock_test.sh SHOP_RESTOCK SHOP_SEED SHOP_PURCHASES basic   one order per item from a
#       JSONL fixture, deliveries after the lead time, malformed lines, --dry-run, flags
#   ... restart   SIGINT with open orders; the next run resumes and delivers them once
#   ... loop      shop-purchases drains a small catalog, a low-stock signal in
#       shop-watch's JSONL format feeds shop-restock, stock comes back, and
#       start - sold + delivered = now for every item
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly USAGE="usage: restock_test.sh SHOP_RESTOCK SHOP_SEED SHOP_PURCHASES basic|restart|loop"
readonly RESTOCK=${1:?$USAGE} SEED=${2:?$USAGE} PURCHASES=${3:?$USAGE} PART=${4:?$USAGE}
readonly FIXTURES=$HARNESS_DIR/../restock
[[ -n ${MYSQL_URL:-} ]] || die "MYSQL_URL is not set (is the mariadb fixture running?)"

db=restock_test_${PART}_$$
server=${MYSQL_URL%/*}
url=$server/$db
port=$(url_port "$MYSQL_URL")
sql() { mariadb --protocol=tcp -h 127.0.0.1 -P "$port" -u root -N -B "$db" -e "$1"; }
json_number() { sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"; }
mariadb --protocol=tcp -h 127.0.0.1 -P "$port" -u root -e "DROP DATABASE IF EXISTS $db"
on_exit mariadb --protocol=tcp -h 127.0.0.1 -P "$port" -u root -e "DROP DATABASE IF EXISTS $db"

# seed ITEMS MIN:MAX: a fresh catalog.
seed() { "$SEED" -q --mysql "$url" --reset --users 20 --items "$1" --inventory "$2" || die "shop-seed failed"; }

basic() {
  seed 5 1000:1000
  local start status=0
  start=$EPOCHREALTIME
  "$RESTOCK" --mysql "$url" --lead-time 1s --quantity 100 --lenient --alerts-jsonl --summary-json "$WORK_DIR/summary.json" \
    <"$FIXTURES/alerts.jsonl" >"$WORK_DIR/out" 2>"$WORK_DIR/err" || status=$?
  expect_eq "the fixture: exit 0" 0 "$status"
  expect_eq "exactly one order per item that entered the view, all delivered" "1	100	delivered
2	100	delivered
3	100	delivered" "$(sql 'SELECT item_id, quantity, status FROM warehouse_orders ORDER BY item_id')"
  expect_eq "stock went up by the order quantity, once" "1	1100
2	1100
3	1100
4	1000" "$(sql 'SELECT id, inventory FROM items WHERE id <= 4 ORDER BY id')"
  expect_eq "delivered_at and inventory_updated_at are set" "3	3" \
    "$(sql "SELECT COUNT(delivered_at), (SELECT COUNT(*) FROM items WHERE inventory_updated_at >= NOW() - INTERVAL 1 MINUTE AND id <= 3) FROM warehouse_orders")"
  local elapsed
  elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
  if ((elapsed >= 1000)); then ok "deliveries waited for the lead time ($elapsed ms)"; else
    not_ok "deliveries came after $elapsed ms, before the 1 s lead time"
  fi
  expect_eq "the summary counts alerts, orders, repeats and deliveries" "5 3 2 3 300" \
    "$(for k in alerts orders_placed already_on_order delivered units_delivered; do json_number "$WORK_DIR/summary.json" "$k"; done | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "--alerts-jsonl: one line per alert" 5 "$(wc -l <"$WORK_DIR/out" | tr -d ' ')"
  expect_match "--alerts-jsonl: the order for item 1" '^\{"item_id": 1, "stock": 1000, "action": "ordered", "order_id": [0-9]+, "quantity": 100\}$' \
    "$(head -n 1 "$WORK_DIR/out")"
  expect_match "a repeated alert does nothing" '"item_id": 1, "stock": 55, "action": "already on order"' "$(cat "$WORK_DIR/out")"

  # --restock-to: enough to reach the target from the stock at the time.
  sql "UPDATE items SET inventory = 40 WHERE id = 5"
  echo '{"ts": 1, "diff": 1, "row": {"item_id": 5, "stock": 40}}' |
    "$RESTOCK" -q --mysql "$url" --lead-time 0s --restock-to 2000 || not_ok "--restock-to run failed"
  expect_eq "--restock-to 2000 from 40 orders 1960" "1960	2000" \
    "$(sql "SELECT quantity, (SELECT inventory FROM items WHERE id = 5) FROM warehouse_orders WHERE item_id = 5")"

  # Malformed lines: named with their line number, counted, skipped; exit 1 unless --lenient.
  printf '%s\n' '{"ts": 1, "diff": 1, "row": {"item_id": 4, "stock": 1}}' 'not json' '{"ts": 1, "diff": 1, "row": {}}' |
    "$RESTOCK" --mysql "$url" --lead-time 0s --quantity 5 --summary-json "$WORK_DIR/bad.json" 2>"$WORK_DIR/err" && status=0 || status=$?
  expect_eq "malformed lines: exit 1" 1 "$status"
  expect_match "malformed lines: each named with its number" 'line 2: not JSON.*line 3: no "item_id"' "$(tr '\n' ' ' <"$WORK_DIR/err")"
  expect_eq "malformed lines: counted" 2 "$(json_number "$WORK_DIR/bad.json" malformed_lines)"
  expect_match "a line that is not JSON says what the input must be" \
    "^shop-restock: warning: line 2: not JSON .*; skipped \\(not a JSON line: shop-restock reads shop-watch's --format jsonl, e.g. shop-watch --format jsonl low_stock_alerts \\| shop-restock\\)$" \
    "$(grep 'line 2:' "$WORK_DIR/err")"
  # shop-watch's table piped in by mistake: the hint once, not on every line.
  printf '%s\n' ' item_id | stock' '---------+-------' '       4 |     1' |
    "$RESTOCK" --mysql "$url" --lead-time 0s --lenient 2>"$WORK_DIR/err" || not_ok "--lenient with a table failed"
  expect_eq "a table on stdin: three lines skipped, the hint once" "3 1" \
    "$(grep -c 'skipped' "$WORK_DIR/err") $(grep -c 'reads shop-watch.s --format jsonl' "$WORK_DIR/err")"
  expect_eq "malformed lines: the good line still placed and delivered its order" "5	delivered" \
    "$(sql "SELECT quantity, status FROM warehouse_orders WHERE item_id = 4")"

  # --dry-run: says what it would order, writes nothing.
  sql "UPDATE items SET inventory = 10 WHERE id = 4"
  echo '{"ts": 1, "diff": 1, "row": {"item_id": 4, "stock": 10}}' |
    "$RESTOCK" -q --mysql "$url" --dry-run --restock-to 500 >"$WORK_DIR/dry" || not_ok "--dry-run failed"
  expect_eq "--dry-run: prints the order" "would order 490 of item 4 (stock 10)" "$(cat "$WORK_DIR/dry")"
  expect_eq "--dry-run: no order written (still the 5 from above)" 5 "$(sql 'SELECT COUNT(*) FROM warehouse_orders')"
  expect_eq "--dry-run: stock untouched" 10 "$(sql 'SELECT inventory FROM items WHERE id = 4')"

  # Flags.
  local args
  for args in "--lead-time soon" "--quantity -5" "--restock-to 0" "--mysql nosuch://x"; do
    status=0
    # shellcheck disable=SC2086 # the flags are meant to split
    "$RESTOCK" $args </dev/null >/dev/null 2>"$WORK_DIR/err" || status=$?
    expect_eq "bad flags '$args': exit 2" 2 "$status"
  done
}

restart() {
  seed 3 1000:1000
  # A long lead time, then SIGINT: the orders stay open in MySQL.
  mkfifo "$WORK_DIR/input"
  "$RESTOCK" --mysql "$url" --lead-time 4s --quantity 50 <"$WORK_DIR/input" 2>"$WORK_DIR/err1" &
  local pid=$! status=0
  exec 3>"$WORK_DIR/input"
  printf '%s\n' '{"ts": 1, "diff": 1, "row": {"item_id": 1, "stock": 1}}' '{"ts": 1, "diff": 1, "row": {"item_id": 2, "stock": 2}}' >&3
  local deadline=$((SECONDS + 10))
  until [[ $(sql "SELECT COUNT(*) FROM warehouse_orders") == 2 ]] || ((SECONDS > deadline)); do sleep 0.1; done
  kill -INT "$pid"
  wait "$pid" || status=$?
  exec 3>&-
  expect_eq "SIGINT with open orders: exit 0" 0 "$status"
  expect_eq "the orders stay open in MySQL" "placed placed" "$(sql "SELECT status FROM warehouse_orders ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "and the stock is untouched" "1000 1000" "$(sql "SELECT inventory FROM items WHERE id <= 2 ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"

  # The next run resumes them: no input, delivers when each is due, then exits.
  # A repeated alert for item 1 meanwhile must not order again.
  echo '{"ts": 2, "diff": 1, "row": {"item_id": 1, "stock": 1}}' |
    "$RESTOCK" --mysql "$url" --lead-time 4s --quantity 50 --summary-json "$WORK_DIR/resumed.json" 2>"$WORK_DIR/err2" || status=$?
  expect_eq "the resumed run: exit 0" 0 "$status"
  expect_match "it says it resumed them" 'resuming 2 open warehouse order' "$(cat "$WORK_DIR/err2")"
  expect_eq "both delivered, once, and no new order" "delivered delivered" \
    "$(sql "SELECT status FROM warehouse_orders ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "stock up by exactly one delivery each" "1050 1050 1000" \
    "$(sql "SELECT inventory FROM items ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
  expect_eq "the repeated alert found the order open" 1 "$(json_number "$WORK_DIR/resumed.json" already_on_order)"
}

loop() {
  seed 4 300:300
  sql "CREATE TABLE start_stock AS SELECT id, inventory FROM items"
  # The low-stock signal: what the low_stock_alerts view gives, from MariaDB, in
  # shop-watch's jsonl format (items under 100 without an open order), polled.
  local signal_query="SELECT CONCAT('{\"ts\": ', UNIX_TIMESTAMP(), '000, \"diff\": 1, \"row\": {\"item_id\": ', i.id,
    ', \"stock\": ', i.inventory, '}}') FROM items i WHERE i.inventory < 100
    AND NOT EXISTS (SELECT 1 FROM warehouse_orders w WHERE w.item_id = i.id AND w.status = 'placed')"
  (
    for ((i = 0; i < 60; i++)); do
      sql "$signal_query" || true
      sleep 0.2
    done
  ) | "$RESTOCK" --mysql "$url" --lead-time 1s --restock-to 300 --summary-json "$WORK_DIR/loop.json" 2>"$WORK_DIR/restock.err" &
  local restock=$!
  "$PURCHASES" -q --mysql "$url" --rate 150 --duration 8s --summary-json "$WORK_DIR/purchases.json" ||
    not_ok "shop-purchases failed"
  local status=0
  wait "$restock" || status=$?
  expect_eq "shop-restock ended with 0 after its input and deliveries" 0 "$status"
  expect_match "stock ran low and warehouse orders were delivered" '^[1-9][0-9]*$' "$(json_number "$WORK_DIR/loop.json" delivered)"
  expect_match "some items were sold out meanwhile or close to it" '^[1-9][0-9]*$' \
    "$(json_number "$WORK_DIR/purchases.json" out_of_stock)"
  expect_eq "no order left open" 0 "$(sql "SELECT COUNT(*) FROM warehouse_orders WHERE status = 'placed'")"
  expect_eq "never two open orders for an item (one per item per low spell)" "" \
    "$(sql "SELECT item_id FROM warehouse_orders GROUP BY item_id, created_at HAVING COUNT(*) > 1")"
  # The stock invariant, per item: start - sold + delivered = now.
  expect_eq "start - sold + delivered = now, for every item" "" "$(sql "
    SELECT i.id FROM items i JOIN start_stock s ON s.id = i.id
    WHERE s.inventory
      - COALESCE((SELECT SUM(quantity) FROM purchases p WHERE p.item_id = i.id AND p.status = 1), 0)
      + COALESCE((SELECT SUM(quantity) FROM warehouse_orders w WHERE w.item_id = i.id AND w.status = 'delivered'), 0)
      <> i.inventory")"
  expect_match "stock came back above the threshold for restocked items" '^[1-9][0-9]*$' \
    "$(sql "SELECT COUNT(*) FROM items i WHERE i.inventory >= 100 AND EXISTS (SELECT 1 FROM warehouse_orders w WHERE w.item_id = i.id)")"
}

case $PART in
  basic) basic ;;
  restart) restart ;;
  loop) loop ;;
  *) die "unknown part '$PART' (expected basic, restart or loop)" ;;
esac
