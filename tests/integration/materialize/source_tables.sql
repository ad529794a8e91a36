-- PostgreSQL stand-ins for what Materialize's sources give (materialize_views_test.sh):
-- the MySQL source's subsources mysql_* with its types (uint8 -> numeric(20), uint4 ->
-- bigint, uint2 -> integer: PostgreSQL has no unsigned types; TINYINT/BOOLEAN ->
-- smallint; TIMESTAMP/DATETIME -> timestamp) and the Kafka JSON source's columns: data
-- jsonb, and kafka_timestamp from INCLUDE TIMESTAMP (a non-null timestamp; librdkafka's
-- produce time, so each row's received_at to the second). The rows are small and known;
-- the test's "now" is 2026-01-01 12:00:00.

CREATE TABLE mysql_users (
    id numeric(20) PRIMARY KEY, email varchar(255), is_vip smallint, created_at timestamp, updated_at timestamp);
CREATE TABLE mysql_items (
    id numeric(20) PRIMARY KEY, name varchar(100), category varchar(100), price numeric(7, 2), inventory integer,
    inventory_updated_at timestamp, created_at timestamp, updated_at timestamp);
CREATE TABLE mysql_purchases (
    id numeric(20) PRIMARY KEY, user_id numeric(20), item_id numeric(20), status integer, quantity bigint,
    purchase_price numeric(12, 2), created_at timestamp, updated_at timestamp);
CREATE TABLE mysql_warehouse_orders (
    id numeric(20) PRIMARY KEY, item_id numeric(20), quantity bigint, status varchar(16), created_at timestamp,
    delivered_at timestamp);
CREATE TABLE pageviews_raw (data jsonb, kafka_timestamp timestamp NOT NULL);

INSERT INTO mysql_users VALUES
    (1, 'ann@example.com', 0, '2025-06-01 10:00:00', '2025-06-01 10:00:00'),
    (2, 'bob@example.com', 0, '2025-06-02 10:00:00', '2025-06-02 10:00:00'),
    (3, 'cat@example.com', 1, '2025-06-03 10:00:00', '2025-06-03 10:00:00');

-- Stock: plenty, low (50, its last warehouse order delivered), sold out, low with an
-- open warehouse order.
INSERT INTO mysql_items VALUES
    (1, 'Blue Widget', 'widgets', 10.00, 500, '2026-01-01 11:58:30', '2025-01-01 00:00:00', '2026-01-01 11:58:30'),
    (2, 'Red Widget', 'widgets', 20.00, 50, '2026-01-01 09:15:00', '2025-01-01 00:00:00', '2026-01-01 09:15:00'),
    (3, 'Gadget', 'gadgets', 5.50, 0, '2025-12-31 08:00:00', '2025-01-01 00:00:00', '2025-12-31 08:00:00'),
    (4, 'Doodad', 'doodads', 100.00, 80, '2025-12-01 00:00:00', '2025-01-01 00:00:00', '2025-12-01 00:00:00');

-- status 1 completed, 0 abandoned cart; purchase_price = price x quantity.
INSERT INTO mysql_purchases VALUES
    (1, 1, 1, 1, 2, 20.00, '2026-01-01 11:58:30', '2026-01-01 11:58:30'),  -- last hour, minute 11:58
    (2, 2, 1, 1, 1, 10.00, '2026-01-01 11:58:10', '2026-01-01 11:58:10'),  -- same minute
    (3, 1, 2, 1, 3, 60.00, '2026-01-01 09:15:00', '2026-01-01 09:15:00'),  -- three hours ago
    (4, 3, 2, 0, 1, 20.00, '2026-01-01 11:30:00', '2026-01-01 11:30:00'),  -- abandoned: no order, no units
    (5, 2, 3, 1, 1, 5.50, '2025-12-31 08:00:00', '2025-12-31 08:00:00'),   -- 28 h ago: out of the day's trends
    (6, 3, 1, 1, 1, 10.00, '2026-01-01 11:10:00', '2026-01-01 11:10:00');  -- last hour

INSERT INTO mysql_warehouse_orders VALUES
    (1, 4, 1920, 'placed', '2026-01-01 11:00:00', NULL),
    (2, 2, 1000, 'delivered', '2026-01-01 08:00:00', '2026-01-01 08:30:00');

-- Item 1 is viewed through three channels: a per-channel join would triple its orders.
INSERT INTO pageviews_raw VALUES
    ('{"user_id": 1, "url": "/products/1", "channel": "organic search", "received_at": 1767268800}', to_timestamp(1767268800) AT TIME ZONE 'UTC'),
    ('{"user_id": 1, "url": "/products/1", "channel": "social", "received_at": 1767268801}', to_timestamp(1767268801) AT TIME ZONE 'UTC'),
    ('{"user_id": 2, "url": "/products/1", "channel": "social", "received_at": 1767268802}', to_timestamp(1767268802) AT TIME ZONE 'UTC'),
    ('{"user_id": 1, "url": "/products/1", "channel": "paid search", "received_at": 1767268803}', to_timestamp(1767268803) AT TIME ZONE 'UTC'),
    ('{"user_id": 3, "url": "/products/2", "channel": "referral", "received_at": 1767268804}', to_timestamp(1767268804) AT TIME ZONE 'UTC'),
    ('{"user_id": 3, "url": "/products/2", "channel": "referral", "received_at": 1767268805}', to_timestamp(1767268805) AT TIME ZONE 'UTC'),
    ('{"user_id": 2, "url": "/products/4", "channel": "display", "received_at": 1767268806}', to_timestamp(1767268806) AT TIME ZONE 'UTC'),
    ('{"user_id": 1, "url": "/profiles/2", "channel": "social", "received_at": 1767268807}', to_timestamp(1767268807) AT TIME ZONE 'UTC'),
    ('{"user_id": 2, "url": "/profiles/3", "channel": "organic search", "received_at": 1767268808}', to_timestamp(1767268808) AT TIME ZONE 'UTC'),
    -- Malformed: counted as 'other', never as a product view, and no error.
    ('{"user_id": 9, "url": "/products/abc", "channel": "social", "received_at": 1767268809}', to_timestamp(1767268809) AT TIME ZONE 'UTC'),
    -- Malformed received_at: in the stream (a recent Kafka timestamp) but in no window.
    ('{"user_id": 5, "url": "/products/1", "channel": "social", "received_at": "soon"}', TIMESTAMP '2026-01-01 12:00:10'),
    -- Two hours before the test's "now": outside every page view window (the last hour).
    ('{"user_id": 4, "url": "/products/3", "channel": "display", "received_at": 1767261600}', to_timestamp(1767261600) AT TIME ZONE 'UTC');
