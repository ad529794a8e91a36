-- The shop's tables from MySQL's binlog through Materialize's own MySQL source (no Kafka
-- Connect, no schema registry). One MySQL transaction is one Materialize timestamp, so
-- a purchase and its stock decrement always appear together.
--
-- The subsources are named mysql_*; the views below give the names and types the rest
-- of the SQL reads (users, items, purchases, warehouse_orders), the same names the
-- Debezium variant (debezium/02_mysql_sources.sql) provides. The MySQL source maps
-- BIGINT UNSIGNED to uint8, INT UNSIGNED to uint4, TINYINT to smallint (so BOOLEAN is
-- a smallint) and TIMESTAMP/DATETIME to timestamp; the views cast to plain signed types.
--
-- Variables: MYSQL_DATABASE (default shop).
-- Written from materialize.com/docs/sql/create-source/mysql/ (the FOR TABLES syntax).

CREATE SOURCE IF NOT EXISTS shop_mysql
    IN CLUSTER shop
    FROM MYSQL CONNECTION mysql_connection
    FOR TABLES (
        ${MYSQL_DATABASE:-shop}.users AS mysql_users,
        ${MYSQL_DATABASE:-shop}.items AS mysql_items,
        ${MYSQL_DATABASE:-shop}.purchases AS mysql_purchases,
        ${MYSQL_DATABASE:-shop}.warehouse_orders AS mysql_warehouse_orders
    );

CREATE VIEW IF NOT EXISTS users AS
    SELECT id::bigint AS id, email, is_vip <> 0 AS is_vip, created_at, updated_at
    FROM mysql_users;

CREATE VIEW IF NOT EXISTS items AS
    SELECT id::bigint AS id, name, category, price, inventory, inventory_updated_at, created_at, updated_at
    FROM mysql_items;

-- status: 1 completed, 0 abandoned cart. purchase_price is the line total.
CREATE VIEW IF NOT EXISTS purchases AS
    SELECT id::bigint AS id, user_id::bigint AS user_id, item_id::bigint AS item_id, status::integer AS status,
           quantity::integer AS quantity, purchase_price, created_at, updated_at
    FROM mysql_purchases;

-- status: 'placed' until delivered, then 'delivered' with delivered_at (shop-restock).
CREATE VIEW IF NOT EXISTS warehouse_orders AS
    SELECT id::bigint AS id, item_id::bigint AS item_id, quantity::integer AS quantity, status, created_at, delivered_at
    FROM mysql_warehouse_orders;
