-- The demo's cluster and its connections to MySQL and Kafka (applied first by
-- shop-mzsql; see README.md for the order and the Debezium variant).
--
-- Variables (shop-mzsql --var NAME=VALUE, else the environment):
--   CLUSTER_SIZE     size of the demo's cluster (default 25cc, the emulator's smallest)
--   MYSQL_HOST       MySQL as Materialize reaches it (default mysql, the compose service)
--   MYSQL_PORT       default 3306
--   MYSQL_USER       default materialize (compose's grants file creates it)
--   MYSQL_PASSWORD   required; stored as a SECRET, never printed by shop-mzsql
--   KAFKA_BROKER     default redpanda:9092 (the compose broker's in-network listener)
--
-- Idempotent: re-applying creates nothing twice; only the MySQL password is updated.
-- Written from Materialize's CREATE CLUSTER / CREATE SECRET / ALTER SECRET /
-- CREATE CONNECTION reference pages (materialize.com/docs/sql/...).

-- CREATE CLUSTER has no IF NOT EXISTS: shop-mzsql skips it when the cluster is there.
-- shop-mzsql: skip if SELECT 1 FROM mz_catalog.mz_clusters WHERE name = 'shop'
CREATE CLUSTER shop (SIZE = '${CLUSTER_SIZE:-25cc}');

CREATE SECRET IF NOT EXISTS mysql_password AS '${MYSQL_PASSWORD}';
-- Keeps the secret current when the password changed since the first apply.
ALTER SECRET mysql_password AS '${MYSQL_PASSWORD}';

-- SSL MODE defaults to disabled, which the compose MySQL expects.
CREATE CONNECTION IF NOT EXISTS mysql_connection TO MYSQL (
    HOST '${MYSQL_HOST:-mysql}',
    PORT ${MYSQL_PORT:-3306},
    USER '${MYSQL_USER:-materialize}',
    PASSWORD SECRET mysql_password
);

-- SECURITY PROTOCOL defaults to SSL since v0.78: a local broker needs PLAINTEXT.
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'PLAINTEXT'
);
