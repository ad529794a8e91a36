-- The business questions, each as a live view. They read only users, items, purchases,
-- warehouse_orders and pageviews (02_ and 03_), so they work with either source variant.
-- Materialized views are maintained in the demo's cluster and readable from any
-- cluster (Metabase, shop-watch); plain views are shared steps, inlined where used.
--
-- Where the original demo was wrong, on purpose:
--   * orders and revenue count completed purchases only (status 1); abandoned carts are
--     counted apart;
--   * per-item figures are joined one row per item, never through a per-channel view,
--     which multiplied orders and revenue by the number of channels;
--   * stock really goes down (shop-purchases), so inventory and low-stock views move.
--
-- Variables: LOW_STOCK_THRESHOLD (default 100): below it an item is "low" and, without
-- an open warehouse order, a low-stock alert.
-- Written from materialize.com/docs: CREATE MATERIALIZED VIEW, CREATE VIEW, temporal
-- filters (mz_now() <= ts + INTERVAL, AND-ed in WHERE only).

-- Order trends through the day, kept for the last day: a purchase leaves its bucket one
-- day after it was made (the temporal filter), so memory stays bounded.
CREATE MATERIALIZED VIEW IF NOT EXISTS order_trends_by_minute IN CLUSTER shop AS
    SELECT
        date_trunc('minute', created_at) AS minute,
        sum(CASE WHEN status = 1 THEN 1 ELSE 0 END) AS orders,
        sum(CASE WHEN status = 1 THEN quantity ELSE 0 END) AS units,
        sum(CASE WHEN status = 1 THEN purchase_price ELSE 0 END) AS revenue,
        sum(CASE WHEN status = 0 THEN 1 ELSE 0 END) AS abandoned_carts
    FROM purchases
    WHERE mz_now() <= created_at + INTERVAL '1 day'
    GROUP BY date_trunc('minute', created_at);

-- The same per hour, summed from the minutes (which already keep only the last day).
CREATE MATERIALIZED VIEW IF NOT EXISTS order_trends_by_hour IN CLUSTER shop AS
    SELECT
        date_trunc('hour', minute) AS hour,
        sum(orders) AS orders,
        sum(units) AS units,
        sum(revenue) AS revenue,
        sum(abandoned_carts) AS abandoned_carts
    FROM order_trends_by_minute
    GROUP BY date_trunc('hour', minute);

-- Completed purchases per item (a shared step).
CREATE VIEW IF NOT EXISTS item_orders AS
    SELECT
        item_id,
        count(*) AS orders,
        sum(quantity) AS units,
        sum(purchase_price) AS revenue,
        count(DISTINCT user_id) AS buyers
    FROM purchases
    WHERE status = 1
    GROUP BY item_id;

-- What sells most: every item (unsold ones with zeros), per category, and the top 10.
CREATE MATERIALIZED VIEW IF NOT EXISTS item_sales IN CLUSTER shop AS
    SELECT
        i.id AS item_id,
        i.name,
        i.category,
        coalesce(o.orders, 0) AS orders,
        coalesce(o.units, 0) AS units,
        coalesce(o.revenue, 0) AS revenue
    FROM items AS i
    LEFT JOIN item_orders AS o ON o.item_id = i.id;

CREATE MATERIALIZED VIEW IF NOT EXISTS category_sales IN CLUSTER shop AS
    SELECT
        category,
        count(*) AS items,
        sum(orders) AS orders,
        sum(units) AS units,
        sum(revenue) AS revenue
    FROM item_sales
    GROUP BY category;

-- Maintained as a top-10 set; its order is applied by the reader (shop-watch --order-by).
CREATE MATERIALIZED VIEW IF NOT EXISTS top_items IN CLUSTER shop AS
    SELECT item_id, name, category, orders, units, revenue
    FROM item_sales
    WHERE orders > 0
    ORDER BY revenue DESC, item_id
    LIMIT 10;

-- Units sold per item in the last hour (a shared step).
CREATE VIEW IF NOT EXISTS item_units_last_hour AS
    SELECT item_id, sum(quantity) AS units
    FROM purchases
    WHERE status = 1
      AND mz_now() <= created_at + INTERVAL '1 hour'
    GROUP BY item_id;

-- Inventory status per item, with the message the shop page shows (shop-serve's
-- /api/items/ID and /products/ID read it: the price is there for the product page).
CREATE MATERIALIZED VIEW IF NOT EXISTS inventory_status IN CLUSTER shop AS
    SELECT
        i.id AS item_id,
        i.name,
        i.category,
        i.price,
        i.inventory AS stock,
        coalesce(h.units, 0) AS units_sold_last_hour,
        CASE
            WHEN i.inventory <= 0 THEN 'sold out'
            WHEN i.inventory < ${LOW_STOCK_THRESHOLD:-100} THEN 'low'
            ELSE 'in stock'
        END AS status,
        CASE
            WHEN i.inventory <= 0 THEN 'Sold out'
            WHEN i.inventory < ${LOW_STOCK_THRESHOLD:-100} THEN 'Only ' || i.inventory::text || ' left'
        END AS shop_message
    FROM items AS i
    LEFT JOIN item_units_last_hour AS h ON h.item_id = i.id;

-- Page views of the last hour (a shared step). Page views arrive at about 1,000/s and
-- are never retracted, so every view over all of them would grow without bound; the
-- temporal filter retracts each one an hour after its Kafka timestamp (its produce time,
-- which received_at also records), which bounds what the views below keep to about an
-- hour of page views (3.6 million at the demo's rate). The filter is on the source's
-- own column so that Materialize can push it down (03_pageviews.sql says why). A view
-- without a received_at (a malformed message) is left out.
CREATE VIEW IF NOT EXISTS recent_pageviews AS
    SELECT user_id, page_type, target_id, channel, received_at
    FROM pageviews
    WHERE mz_now() <= kafka_timestamp + INTERVAL '1 hour'
      AND received_at IS NOT NULL;

-- Completed purchases per item in the last hour (a shared step, the funnel's orders).
CREATE VIEW IF NOT EXISTS item_orders_last_hour AS
    SELECT item_id, count(*) AS orders, count(DISTINCT user_id) AS buyers
    FROM purchases
    WHERE status = 1
      AND mz_now() <= created_at + INTERVAL '1 hour'
    GROUP BY item_id;

-- Product page views per item in the last hour (a shared step): all channels together.
CREATE VIEW IF NOT EXISTS item_page_views AS
    SELECT target_id AS item_id, count(*) AS views, count(DISTINCT user_id) AS viewers
    FROM recent_pageviews
    WHERE page_type = 'product'
    GROUP BY target_id;

-- The conversion funnel per item over the last hour: product page views -> completed
-- orders, both counted over the same hour. Views and orders are each aggregated to one
-- row per item before the join.
CREATE MATERIALIZED VIEW IF NOT EXISTS conversion_funnel IN CLUSTER shop AS
    SELECT
        i.id AS item_id,
        i.name,
        coalesce(v.views, 0) AS views,
        coalesce(v.viewers, 0) AS viewers,
        coalesce(o.orders, 0) AS orders,
        coalesce(o.buyers, 0) AS buyers,
        CASE WHEN v.views > 0 THEN round(coalesce(o.orders, 0)::numeric / v.views, 4) END AS conversion_rate
    FROM items AS i
    LEFT JOIN item_page_views AS v ON v.item_id = i.id
    LEFT JOIN item_orders_last_hour AS o ON o.item_id = i.id;

-- The whole shop's funnel over the last hour; distinct viewers and buyers are counted
-- over the shop, not summed over items.
CREATE MATERIALIZED VIEW IF NOT EXISTS conversion_funnel_overall IN CLUSTER shop AS
    SELECT
        v.views,
        v.viewers,
        o.orders,
        o.buyers,
        CASE WHEN v.views > 0 THEN round(o.orders::numeric / v.views, 4) END AS conversion_rate
    FROM (SELECT count(*) AS views, count(DISTINCT user_id) AS viewers FROM recent_pageviews WHERE page_type = 'product') AS v
    CROSS JOIN (
        SELECT count(*) AS orders, count(DISTINCT user_id) AS buyers
        FROM purchases
        WHERE status = 1
          AND mz_now() <= created_at + INTERVAL '1 hour'
    ) AS o;

-- Where the traffic of the last hour comes from, by channel (kept apart from orders on
-- purpose).
CREATE MATERIALIZED VIEW IF NOT EXISTS pageviews_by_channel IN CLUSTER shop AS
    SELECT
        channel,
        count(*) AS views,
        count(DISTINCT user_id) AS visitors,
        sum(CASE WHEN page_type = 'product' THEN 1 ELSE 0 END) AS product_views
    FROM recent_pageviews
    GROUP BY channel;

-- The demo's main table: one row per item with sales (all time), stock and its funnel
-- (the last hour).
CREATE MATERIALIZED VIEW IF NOT EXISTS item_summary IN CLUSTER shop AS
    SELECT
        s.item_id,
        s.name,
        s.category,
        i.price,
        i.inventory AS stock,
        s.orders,
        s.units,
        s.revenue,
        f.views,
        f.conversion_rate
    FROM item_sales AS s
    JOIN items AS i ON i.id = s.item_id
    JOIN conversion_funnel AS f ON f.item_id = s.item_id;

-- Low-stock alerts: items under the threshold with no open warehouse order. shop-restock
-- reads this view's changes (shop-watch --format jsonl) and places an order for each item
-- that enters it; the item then leaves the view until stock is low again.
CREATE MATERIALIZED VIEW IF NOT EXISTS low_stock_alerts IN CLUSTER shop AS
    SELECT i.id AS item_id, i.name, i.inventory AS stock
    FROM items AS i
    WHERE i.inventory < ${LOW_STOCK_THRESHOLD:-100}
      AND NOT EXISTS (
          SELECT 1 FROM warehouse_orders AS w WHERE w.item_id = i.id AND w.status = 'placed'
      );

-- Warehouse orders, open and delivered, with the item's name; and a count per status.
CREATE MATERIALIZED VIEW IF NOT EXISTS warehouse_order_status IN CLUSTER shop AS
    SELECT w.id AS order_id, w.item_id, i.name, w.quantity, w.status, w.created_at, w.delivered_at
    FROM warehouse_orders AS w
    JOIN items AS i ON i.id = w.item_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS warehouse_orders_summary IN CLUSTER shop AS
    SELECT status, count(*) AS orders, sum(quantity) AS units
    FROM warehouse_orders
    GROUP BY status;
