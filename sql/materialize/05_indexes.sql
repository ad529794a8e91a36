-- Indexes in the demo's cluster on what the terminal (shop-watch) and the dashboard read,
-- so their queries and SUBSCRIBEs are served from memory.
-- Written from materialize.com/docs/sql/create-index/ (IF NOT EXISTS as the parser
-- accepts it: CREATE INDEX [IF NOT EXISTS] name [IN CLUSTER c] ON obj (cols)).

CREATE INDEX IF NOT EXISTS item_summary_by_item IN CLUSTER shop ON item_summary (item_id);
CREATE INDEX IF NOT EXISTS order_trends_by_minute_idx IN CLUSTER shop ON order_trends_by_minute (minute);
CREATE INDEX IF NOT EXISTS order_trends_by_hour_idx IN CLUSTER shop ON order_trends_by_hour (hour);
CREATE INDEX IF NOT EXISTS item_sales_by_item IN CLUSTER shop ON item_sales (item_id);
CREATE INDEX IF NOT EXISTS category_sales_by_category IN CLUSTER shop ON category_sales (category);
CREATE INDEX IF NOT EXISTS top_items_by_item IN CLUSTER shop ON top_items (item_id);
CREATE INDEX IF NOT EXISTS inventory_status_by_item IN CLUSTER shop ON inventory_status (item_id);
CREATE INDEX IF NOT EXISTS conversion_funnel_by_item IN CLUSTER shop ON conversion_funnel (item_id);
CREATE INDEX IF NOT EXISTS conversion_funnel_overall_idx IN CLUSTER shop ON conversion_funnel_overall (views);
CREATE INDEX IF NOT EXISTS pageviews_by_channel_idx IN CLUSTER shop ON pageviews_by_channel (channel);
CREATE INDEX IF NOT EXISTS low_stock_alerts_by_item IN CLUSTER shop ON low_stock_alerts (item_id);
CREATE INDEX IF NOT EXISTS warehouse_order_status_by_order IN CLUSTER shop ON warehouse_order_status (order_id);
CREATE INDEX IF NOT EXISTS warehouse_orders_summary_idx IN CLUSTER shop ON warehouse_orders_summary (status);

-- Indexes are local to their cluster: a session on the default cluster (quickstart)
-- does not use them (materialize.com/docs/concepts/indexes/). The demo's readers
-- (shop-watch, shop-restock's feed, shop-serve, the cli service, Metabase) log in as READER_ROLE, so
-- its new sessions start on the demo's cluster (doc/user/content/sql/alter-role.md:
-- a role's variables apply to new sessions). Another client: `SET cluster = shop;`, or
-- `options=--cluster=shop` in its connection string.
-- Variables: READER_ROLE (default materialize, the emulator's user).
ALTER ROLE ${READER_ROLE:-materialize} SET cluster = shop;
