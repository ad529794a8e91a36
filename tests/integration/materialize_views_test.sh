#!/usr/bin/env bash
# The demo's Materialize views, their logic checked on PostgreSQL against values worked
# out by hand. sql/materialize/02_ to 04_ go through shop-mzsql --dry-run (variables
# filled), then materialize/rewrite_for_postgres.sh (a small, documented rewrite of the
# Materialize-only parts), then shop-mzsql applies them to a database whose tables
# stand in for the sources (materialize/source_tables.sql, "now" = 2026-01-01 12:00:00).
#   materialize_views_test.sh SHOP_MZSQL
# shellcheck source-path=SCRIPTDIR source=harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/harness/lib.sh"

readonly MZSQL=${1:?usage: materialize_views_test.sh SHOP_MZSQL}
[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (is the postgres fixture running?)"

# The database, its source stand-ins and the rewritten views come from
# scripts/local-views.sh, README's way to see the views without Materialize; it runs
# twice to show a second run starts afresh.
db=materialize_views_$$
export PGTZ=UTC
admin() { PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At "$DATABASE_URL" -c "$1"; }
on_exit admin "DROP DATABASE IF EXISTS $db"
local_views() { SHOP_MZSQL=$MZSQL LOW_STOCK_THRESHOLD=100 "$REPO_ROOT/scripts/local-views.sh" "$db" 2>"$WORK_DIR/local-views.err"; }
exports=$(local_views) || die "scripts/local-views.sh failed: $(cat "$WORK_DIR/local-views.err")"
expect_eq "local-views.sh prints the views' URL for eval" \
  "export SHOP_VIEWS_URL='postgres://postgres@127.0.0.1:$(url_port "$DATABASE_URL")/$db'" "$exports"
eval "$exports"
url=$SHOP_VIEWS_URL
PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 "$url" -c "UPDATE mysql_items SET inventory = 1 WHERE id = 1"
expect_ok "local-views.sh runs again (a fresh database, not 'relation already exists')" local_views
expect_eq "  ... with the fixed data again" "500" \
  "$(PGCONNECT_TIMEOUT=5 psql -X -At "$url" -c "SELECT inventory FROM mysql_items WHERE id = 1")"
STATUS=0
ERR=$(DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x "$REPO_ROOT/scripts/local-views.sh" 2>&1) || STATUS=$?
expect_eq "a DATABASE_URL with a password is refused, not echoed" \
  "1 local-views.sh: error: DATABASE_URL holds a password: give it in PGPASSWORD or ~/.pgpass instead (it would be printed)" \
  "$STATUS $ERR"
expect_eq "every view of 02_ to 04_ was created" \
  "category_sales conversion_funnel conversion_funnel_overall inventory_status item_orders item_orders_last_hour item_page_views item_sales item_summary item_units_last_hour items low_stock_alerts order_trends_by_hour order_trends_by_minute pageviews pageviews_by_channel purchases recent_pageviews top_items users warehouse_order_status warehouse_orders warehouse_orders_summary" \
  "$(PGCONNECT_TIMEOUT=5 psql -X -At "$url" -c "SELECT string_agg(viewname, ' ' ORDER BY viewname) FROM pg_views WHERE schemaname = 'public'")"

# view WHAT QUERY EXPECTED: the query's rows as CSV (with a header) equal EXPECTED.
view() {
  local actual
  actual=$("$MZSQL" -q --url "$url" --format csv -c "$2") || { not_ok "$1: the query failed"; return; }
  expect_eq "$1" "$3" "$actual"
}

view "users: is_vip from MySQL's TINYINT as a boolean" "SELECT id, is_vip FROM users ORDER BY id" "id,is_vip
1,f
2,f
3,t"

view "pageviews: typed, malformed ones as 'other' without an error" \
  "SELECT user_id, page_type, target_id, channel, received_at FROM pageviews ORDER BY received_at" \
  "user_id,page_type,target_id,channel,received_at
4,product,3,display,2026-01-01 10:00:00+00
1,product,1,organic search,2026-01-01 12:00:00+00
1,product,1,social,2026-01-01 12:00:01+00
2,product,1,social,2026-01-01 12:00:02+00
1,product,1,paid search,2026-01-01 12:00:03+00
3,product,2,referral,2026-01-01 12:00:04+00
3,product,2,referral,2026-01-01 12:00:05+00
2,product,4,display,2026-01-01 12:00:06+00
1,profile,2,social,2026-01-01 12:00:07+00
2,profile,3,organic search,2026-01-01 12:00:08+00
9,other,,social,2026-01-01 12:00:09+00
5,product,1,social,"

# Trends: completed orders only (purchase 4 is an abandoned cart), the last day only
# (purchase 5, 28 hours old, has left).
view "order trends per minute" "SELECT * FROM order_trends_by_minute ORDER BY minute" \
  "minute,orders,units,revenue,abandoned_carts
2026-01-01 09:15:00,1,3,60.00,0
2026-01-01 11:10:00,1,1,10.00,0
2026-01-01 11:30:00,0,0,0,1
2026-01-01 11:58:00,2,3,30.00,0"
view "order trends per hour" "SELECT * FROM order_trends_by_hour ORDER BY hour" \
  "hour,orders,units,revenue,abandoned_carts
2026-01-01 09:00:00,1,3,60.00,0
2026-01-01 11:00:00,3,4,40.00,1"

# Sales: all time, completed only.
view "item sales (unsold items with zeros)" "SELECT * FROM item_sales ORDER BY item_id" \
  "item_id,name,category,orders,units,revenue
1,Blue Widget,widgets,3,4,40.00
2,Red Widget,widgets,1,3,60.00
3,Gadget,gadgets,1,1,5.50
4,Doodad,doodads,0,0,0"
view "category sales" "SELECT * FROM category_sales ORDER BY category" \
  "category,items,orders,units,revenue
doodads,1,0,0,0
gadgets,1,1,1,5.50
widgets,2,4,7,100.00"
view "top items by revenue (sold ones only)" "SELECT item_id, revenue FROM top_items ORDER BY revenue DESC, item_id" \
  "item_id,revenue
2,60.00
1,40.00
3,5.50"

# Inventory: threshold 100; units in the last hour are purchases 1, 2 and 6 (item 1).
view "inventory status and the shop's message" "SELECT * FROM inventory_status ORDER BY item_id" \
  "item_id,name,category,price,stock,units_sold_last_hour,status,shop_message
1,Blue Widget,widgets,10.00,500,4,in stock,
2,Red Widget,widgets,20.00,50,0,low,Only 50 left
3,Gadget,gadgets,5.50,0,0,sold out,Sold out
4,Doodad,doodads,100.00,80,0,low,Only 80 left"

# The funnel: item 1 has 4 product views over three channels and 3 orders. The
# original's per-channel join would have shown 9 orders.
# The funnel covers the last hour on both sides: item 3's view at 10:00 and item 2's and
# 3's orders before 11:00 are outside it.
view "recent page views: the last hour only" "SELECT count(*) AS n, min(received_at) AS first FROM recent_pageviews" \
  "n,first
10,2026-01-01 12:00:00+00"
view "conversion funnel per item (the last hour)" "SELECT * FROM conversion_funnel ORDER BY item_id" \
  "item_id,name,views,viewers,orders,buyers,conversion_rate
1,Blue Widget,4,2,3,3,0.7500
2,Red Widget,2,1,0,0,0.0000
3,Gadget,0,0,0,0,
4,Doodad,1,1,0,0,0.0000"
view "conversion funnel overall (the last hour, distinct over the shop, the malformed view left out)" \
  "SELECT * FROM conversion_funnel_overall" \
  "views,viewers,orders,buyers,conversion_rate
7,3,3,3,0.4286"
view "item summary: one row per item, no double counting" \
  "SELECT item_id, price, stock, orders, units, revenue, views, conversion_rate FROM item_summary ORDER BY item_id" \
  "item_id,price,stock,orders,units,revenue,views,conversion_rate
1,10.00,500,3,4,40.00,4,0.7500
2,20.00,50,1,3,60.00,2,0.0000
3,5.50,0,1,1,5.50,0,
4,100.00,80,0,0,0,1,0.0000"
view "page views by channel" "SELECT * FROM pageviews_by_channel ORDER BY channel" \
  "channel,views,visitors,product_views
display,1,1,1
organic search,2,2,1
paid search,1,1,1
referral,2,1,2
social,4,3,2"

# Low stock: items 2 (50) and 3 (0) are under 100 without an open order; item 4 (80)
# has one placed; item 2's earlier order was delivered and does not count.
view "low-stock alerts" "SELECT * FROM low_stock_alerts ORDER BY item_id" \
  "item_id,name,stock
2,Red Widget,50
3,Gadget,0"
view "warehouse orders with their items" "SELECT order_id, item_id, name, quantity, status FROM warehouse_order_status ORDER BY order_id" \
  "order_id,item_id,name,quantity,status
1,4,Doodad,1920,placed
2,2,Red Widget,1000,delivered"
view "warehouse orders per status" "SELECT * FROM warehouse_orders_summary ORDER BY status" \
  "status,orders,units
delivered,1,1000
placed,1,1920"

# The alert follows the data: an order placed for item 2 takes it out of the view, a
# sale that drains item 1 below the threshold brings it in.
PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 "$url" -c \
  "INSERT INTO mysql_warehouse_orders VALUES (3, 2, 1950, 'placed', '2026-01-01 11:59:00', NULL);
   UPDATE mysql_items SET inventory = 99 WHERE id = 1;"
view "low-stock alerts after an order and a sale" "SELECT item_id, stock FROM low_stock_alerts ORDER BY item_id" \
  "item_id,stock
1,99
3,0"
