-- Page views from Kafka (shop-pageviews), JSON values such as
--   {"user_id": 3290, "url": "/products/257", "channel": "social", "received_at": 1634651213}
-- FORMAT JSON gives one jsonb column, data; the view types it. A message that does not
-- fit (an unexpected url, a non-numeric id) becomes page_type 'other' with NULL ids
-- instead of an error that would stop every view reading it.
--
-- The message's Kafka timestamp comes along as kafka_timestamp (INCLUDE TIMESTAMP: a
-- non-null `timestamp`, the message's time in milliseconds; MaterializeInc/materialize
-- src/storage-types/src/sources/kafka.rs, metadata_columns). shop-pageviews leaves it to
-- librdkafka, which stamps each message with its produce time, so it equals received_at
-- to the second. The views' one-hour window filters on it, not on received_at: a filter
-- on a column of the source itself, with arithmetic and a comparison only, is one
-- Materialize can push down to storage, so a restarted cluster reads only the last hour
-- of the topic instead of its whole history (materialize.com/docs/transform-data/
-- patterns/temporal-filters/, "Temporal filter pushdown"). received_at comes out of the
-- JSON text through a regular expression and casts, which it cannot push down.
-- A source created before this column existed keeps its old shape: `make down` (or DROP
-- SOURCE pageviews_raw CASCADE) and apply again.
--
-- Variables: PAGEVIEWS_TOPIC (default pageviews).
-- Written from materialize.com/docs/sql/create-source/kafka/ (FORMAT JSON; INCLUDE
-- TIMESTAMP AS name, "Exposing source metadata").

CREATE SOURCE IF NOT EXISTS pageviews_raw
    IN CLUSTER shop
    FROM KAFKA CONNECTION kafka_connection (TOPIC '${PAGEVIEWS_TOPIC:-pageviews}')
    FORMAT JSON
    INCLUDE TIMESTAMP AS kafka_timestamp;

CREATE VIEW IF NOT EXISTS pageviews AS
    SELECT
        CASE WHEN data->>'user_id' ~ '^[0-9]{1,18}$' THEN (data->>'user_id')::bigint END AS user_id,
        CASE
            WHEN data->>'url' ~ '^/products/[0-9]{1,18}$' THEN 'product'
            WHEN data->>'url' ~ '^/profiles/[0-9]{1,18}$' THEN 'profile'
            ELSE 'other'
        END AS page_type,
        CASE
            WHEN data->>'url' ~ '^/(products|profiles)/[0-9]{1,18}$' THEN split_part(data->>'url', '/', 3)::bigint
        END AS target_id,
        data->>'channel' AS channel,
        CASE
            WHEN data->>'received_at' ~ '^[0-9]{1,12}$' THEN to_timestamp((data->>'received_at')::double precision)
        END AS received_at,
        kafka_timestamp
    FROM pageviews_raw;
