-- Page views from Kafka (shop-pageviews), JSON values such as
--   {"user_id": 3290, "url": "/products/257", "channel": "social", "received_at": 1634651213}
-- FORMAT JSON gives one jsonb column, data; the view types it. A message that does not
-- fit (an unexpected url, a non-numeric id) becomes page_type 'other' with NULL ids
-- instead of an error that would stop every view reading it.
--
-- Variables: PAGEVIEWS_TOPIC (default pageviews).
-- Written from materialize.com/docs/sql/create-source/kafka/ (FORMAT JSON).

CREATE SOURCE IF NOT EXISTS pageviews_raw
    IN CLUSTER shop
    FROM KAFKA CONNECTION kafka_connection (TOPIC '${PAGEVIEWS_TOPIC:-pageviews}')
    FORMAT JSON;

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
        END AS received_at
    FROM pageviews_raw;
