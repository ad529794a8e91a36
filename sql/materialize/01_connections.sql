-- The demo's cluster and its connections to MySQL and Kafka (applied first by
-- shop-mzsql; see README.md for the order and the Debezium variant).
--
-- Variables (shop-mzsql --var NAME=VALUE, else the environment):
--   CLUSTER_SIZE     size of the demo's cluster (default 25cc, the emulator's smallest)
--   MYSQL_HOST       MySQL as Materialize reaches it (default mysql, the compose service)
--   MYSQL_PORT       default 3306
--   MYSQL_USER       default materialize (compose's grants file creates it)
--   MYSQL_PASSWORD   required; stored as a SECRET, never printed by shop-mzsql
--   MYSQL_CONNECTION_SSL_MODE   disabled (default: the compose MySQL has no TLS), required,
--                    verify_ca or verify_identity (PREFERRED is not accepted by Materialize)
--   MYSQL_CONNECTION_SSL_CA     optional, with a mode other than disabled: the CA certificate (PEM)
--                    that verifies the server's; stored as a SECRET. Unset: the system's CAs
--                    (Not MYSQL_SSL_MODE / MYSQL_SSL_CA: those are the MySQL programs' own,
--                    with mysql's modes and a file path, and may be set in the same shell.)
--   KAFKA_BROKER     default redpanda:9092 (the compose broker's in-network listener)
--   KAFKA_SECURITY_PROTOCOL  PLAINTEXT (default: the compose broker), SSL,
--                    SASL_PLAINTEXT or SASL_SSL
--   KAFKA_SASL_MECHANISMS    with SASL_*, required: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512
--   KAFKA_SASL_USERNAME      with SASL_*, required
--   KAFKA_SASL_PASSWORD      with SASL_*, required; stored as a SECRET, never printed
--   KAFKA_SSL_CA     optional, with SSL or SASL_SSL: the broker's CA certificate (PEM),
--                    stored as a SECRET. Unset: the system's CAs
-- The three choices are words in any case; shop-mzsql refuses, before connecting, a value
-- that no '-- shop-mzsql: if' line below names, and an optional variable set for a
-- variant that is not chosen (e.g. KAFKA_SSL_CA with PLAINTEXT).
--
-- Idempotent: re-applying creates nothing twice; only the secrets are updated. The
-- connections are created once: to change their security settings, DROP CONNECTION
-- ... CASCADE (it drops the sources on them) and apply again.
-- Written from Materialize's CREATE CLUSTER / CREATE SECRET / ALTER SECRET /
-- CREATE CONNECTION reference pages (materialize.com/docs/sql/..., the Kafka SSL and
-- SASL options and the MySQL options) and, for which options each Kafka security
-- protocol and MySQL SSL MODE takes, Materialize's planner
-- (src/sql/src/plan/statement/ddl/connection.rs: plan_kafka_security rejects "option ...
-- not supported with this configuration"; SSL MODE and SECURITY PROTOCOL are upper-cased
-- before they are compared). The MySQL TLS forms follow Materialize's own test
-- test/mysql-cdc/15-create-connection-tls.td.

-- CREATE CLUSTER has no IF NOT EXISTS: shop-mzsql skips it when the cluster is there.
-- shop-mzsql: skip if SELECT 1 FROM mz_catalog.mz_clusters WHERE name = 'shop'
CREATE CLUSTER shop (SIZE = '${CLUSTER_SIZE:-25cc}');

CREATE SECRET IF NOT EXISTS mysql_password AS '${MYSQL_PASSWORD}';
-- Keeps the secret current when the password changed since the first apply.
ALTER SECRET mysql_password AS '${MYSQL_PASSWORD}';

-- MySQL: SSL MODE defaults to disabled, which the compose MySQL expects.
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_MODE:-disabled} = disabled
CREATE CONNECTION IF NOT EXISTS mysql_connection TO MYSQL (
    HOST '${MYSQL_HOST:-mysql}',
    PORT ${MYSQL_PORT:-3306},
    USER '${MYSQL_USER:-materialize}',
    PASSWORD SECRET mysql_password
);

-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_MODE:-disabled} in (required, verify_ca, verify_identity)
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_CA} is not set
CREATE CONNECTION IF NOT EXISTS mysql_connection TO MYSQL (
    HOST '${MYSQL_HOST:-mysql}',
    PORT ${MYSQL_PORT:-3306},
    USER '${MYSQL_USER:-materialize}',
    PASSWORD SECRET mysql_password,
    SSL MODE = '${MYSQL_CONNECTION_SSL_MODE}'
);

-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_MODE:-disabled} in (required, verify_ca, verify_identity)
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_CA} is set
CREATE SECRET IF NOT EXISTS mysql_ssl_ca AS '${MYSQL_CONNECTION_SSL_CA}';
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_MODE:-disabled} in (required, verify_ca, verify_identity)
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_CA} is set
ALTER SECRET mysql_ssl_ca AS '${MYSQL_CONNECTION_SSL_CA}';
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_MODE:-disabled} in (required, verify_ca, verify_identity)
-- shop-mzsql: if ${MYSQL_CONNECTION_SSL_CA} is set
CREATE CONNECTION IF NOT EXISTS mysql_connection TO MYSQL (
    HOST '${MYSQL_HOST:-mysql}',
    PORT ${MYSQL_PORT:-3306},
    USER '${MYSQL_USER:-materialize}',
    PASSWORD SECRET mysql_password,
    SSL MODE = '${MYSQL_CONNECTION_SSL_MODE}',
    SSL CERTIFICATE AUTHORITY = SECRET mysql_ssl_ca
);

-- Kafka: without SECURITY PROTOCOL Materialize picks SSL (SASL_SSL with SASL options),
-- so the compose broker needs PLAINTEXT. Each protocol takes only its own options.
-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} = PLAINTEXT
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'PLAINTEXT'
);

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} in (SASL_PLAINTEXT, SASL_SSL)
CREATE SECRET IF NOT EXISTS kafka_sasl_password AS '${KAFKA_SASL_PASSWORD}';
-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} in (SASL_PLAINTEXT, SASL_SSL)
ALTER SECRET kafka_sasl_password AS '${KAFKA_SASL_PASSWORD}';

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} in (SSL, SASL_SSL)
-- shop-mzsql: if ${KAFKA_SSL_CA} is set
CREATE SECRET IF NOT EXISTS kafka_ssl_ca AS '${KAFKA_SSL_CA}';
-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} in (SSL, SASL_SSL)
-- shop-mzsql: if ${KAFKA_SSL_CA} is set
ALTER SECRET kafka_ssl_ca AS '${KAFKA_SSL_CA}';

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} = SSL
-- shop-mzsql: if ${KAFKA_SSL_CA} is not set
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'SSL'
);

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} = SSL
-- shop-mzsql: if ${KAFKA_SSL_CA} is set
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'SSL',
    SSL CERTIFICATE AUTHORITY = SECRET kafka_ssl_ca
);

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} = SASL_PLAINTEXT
-- shop-mzsql: if ${KAFKA_SASL_MECHANISMS} in (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'SASL_PLAINTEXT',
    SASL MECHANISMS = '${KAFKA_SASL_MECHANISMS}',
    SASL USERNAME = '${KAFKA_SASL_USERNAME}',
    SASL PASSWORD = SECRET kafka_sasl_password
);

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} = SASL_SSL
-- shop-mzsql: if ${KAFKA_SASL_MECHANISMS} in (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)
-- shop-mzsql: if ${KAFKA_SSL_CA} is not set
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'SASL_SSL',
    SASL MECHANISMS = '${KAFKA_SASL_MECHANISMS}',
    SASL USERNAME = '${KAFKA_SASL_USERNAME}',
    SASL PASSWORD = SECRET kafka_sasl_password
);

-- shop-mzsql: if ${KAFKA_SECURITY_PROTOCOL:-PLAINTEXT} = SASL_SSL
-- shop-mzsql: if ${KAFKA_SASL_MECHANISMS} in (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)
-- shop-mzsql: if ${KAFKA_SSL_CA} is set
CREATE CONNECTION IF NOT EXISTS kafka_connection TO KAFKA (
    BROKER '${KAFKA_BROKER:-redpanda:9092}',
    SECURITY PROTOCOL = 'SASL_SSL',
    SASL MECHANISMS = '${KAFKA_SASL_MECHANISMS}',
    SASL USERNAME = '${KAFKA_SASL_USERNAME}',
    SASL PASSWORD = SECRET kafka_sasl_password,
    SSL CERTIFICATE AUTHORITY = SECRET kafka_ssl_ca
);
