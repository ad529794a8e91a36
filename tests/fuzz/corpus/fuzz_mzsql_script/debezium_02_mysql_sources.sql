-- The seed's path: Debezium reads MySQL's binlog into Kafka topics <prefix>.shop.<table>
-- (Avro through the schema registry) and Materialize reads them with ENVELOPE DEBEZIUM.
-- This file replaces ../02_mysql_sources.sql; the other files of this directory are
-- links to the shared ones, so `shop-mzsql sql/materialize/debezium` applies the whole
-- variant. It provides the same views (users, items, purchases, warehouse_orders), so
-- everything after it is shared.
--
-- Debezium delivers MySQL TIMESTAMP columns as ISO-8601 strings (ZonedTimestamp),
-- DATETIME as timestamps (time.precision.mode=connect), DECIMAL as numeric (precise
-- handling) and BOOLEAN as a number or a boolean depending on the connector's settings:
-- the views cast each to the types the direct source gives.
--
-- Variables: SCHEMA_REGISTRY_URL (default http://redpanda:8081), DEBEZIUM_TOPIC_PREFIX
-- (default mysql: topic.prefix / database.server.name), MYSQL_DATABASE (default shop).
-- A source created before Debezium wrote its topic fails with "subject not found":
-- apply this once the topics exist (compose's mzinit waits for them).
-- Written from materialize.com/docs/sql/create-source/kafka/ (FORMAT AVRO USING
-- CONFLUENT SCHEMA REGISTRY CONNECTION ... ENVELOPE DEBEZIUM) and
-- materialize.com/docs/sql/create-connection/ (CONFLUENT SCHEMA REGISTRY).

CREATE CONNECTION IF NOT EXISTS schema_registry_connection TO CONFLUENT SCHEMA REGISTRY (
    URL '${SCHEMA_REGISTRY_URL:-http://redpanda:8081}'
);

CREATE SOURCE IF NOT EXISTS debezium_users
    IN CLUSTER shop
    FROM KAFKA CONNECTION kafka_connection (TOPIC '${DEBEZIUM_TOPIC_PREFIX:-mysql}.${MYSQL_DATABASE:-shop}.users')
    FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION schema_registry_connection
    ENVELOPE DEBEZIUM;

CREATE SOURCE IF NOT EXISTS debezium_items
    IN CLUSTER shop
    FROM KAFKA CONNECTION kafka_connection (TOPIC '${DEBEZIUM_TOPIC_PREFIX:-mysql}.${MYSQL_DATABASE:-shop}.items')
    FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION schema_registry_connection
    ENVELOPE DEBEZIUM;

CREATE SOURCE IF NOT EXISTS debezium_purchases
    IN CLUSTER shop
    FROM KAFKA CONNECTION kafka_connection (TOPIC '${DEBEZIUM_TOPIC_PREFIX:-mysql}.${MYSQL_DATABASE:-shop}.purchases')
    FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION schema_registry_connection
    ENVELOPE DEBEZIUM;

CREATE SOURCE IF NOT EXISTS debezium_warehouse_orders
    IN CLUSTER shop
    FROM KAFKA CONNECTION kafka_connection (TOPIC '${DEBEZIUM_TOPIC_PREFIX:-mysql}.${MYSQL_DATABASE:-shop}.warehouse_orders')
    FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY CONNECTION schema_registry_connection
    ENVELOPE DEBEZIUM;

CREATE VIEW IF NOT EXISTS users AS
    SELECT id::bigint AS id, email, is_vip::integer <> 0 AS is_vip,
           created_at::timestamptz::timestamp AS created_at, updated_at::timestamp AS updated_at
    FROM debezium_users;

CREATE VIEW IF NOT EXISTS items AS
    SELECT id::bigint AS id, name, category, price::numeric AS price, inventory::integer AS inventory,
           inventory_updated_at::timestamptz::timestamp AS inventory_updated_at,
           created_at::timestamptz::timestamp AS created_at, updated_at::timestamp AS updated_at
    FROM debezium_items;

CREATE VIEW IF NOT EXISTS purchases AS
    SELECT id::bigint AS id, user_id::bigint AS user_id, item_id::bigint AS item_id, status::integer AS status,
           quantity::integer AS quantity, purchase_price::numeric AS purchase_price,
           created_at::timestamptz::timestamp AS created_at, updated_at::timestamp AS updated_at
    FROM debezium_purchases;

CREATE VIEW IF NOT EXISTS warehouse_orders AS
    SELECT id::bigint AS id, item_id::bigint AS item_id, quantity::integer AS quantity, status,
           created_at::timestamptz::timestamp AS created_at, delivered_at::timestamptz::timestamp AS delivered_at
    FROM debezium_warehouse_orders;
