#!/bin/bash
# Registers Debezium's MySQL connector with Kafka Connect (compose.yml, profile
# `debezium`): waits for Connect's REST API, then PUTs the configuration of
# mysql-connector.json with the password from DEBEZIUM_MYSQL_PASSWORD (PUT is
# idempotent: running it again leaves the connector as configured).
#
# The configuration is Debezium 3.x's (JSON has no comments, so its sources are here):
#   topic.prefix, schema.history.internal.kafka.*   Debezium 2.0 renamed them from
#       database.server.name and database.history.kafka.* (Debezium's 2.0 release notes)
#   driver.allowPublicKeyRetrieval   JDBC pass-through properties take the driver. prefix
#       since 2.0; lets the driver authenticate with caching_sha2_password, MySQL 8.4's
#       default, without TLS
#   topic.creation.default.{replication.factor,partitions}   Kafka Connect creates the
#       connector's topics with these (Debezium's documentation,
#       configuration/topic-auto-create-config.adoc; the worker's topic.creation.enable
#       defaults to true): the broker does not auto-create topics
#   time.precision.mode=connect, decimal.handling.mode=precise   the types
#       sql/materialize/debezium/02_mysql_sources.sql expects
set -euo pipefail

readonly CONNECT_URL=${CONNECT_URL:-http://connect:8083}
HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly HERE
: "${DEBEZIUM_MYSQL_PASSWORD:?DEBEZIUM_MYSQL_PASSWORD is not set}"

for ((attempt = 1; ; attempt++)); do
  curl -fsS "$CONNECT_URL/connectors" >/dev/null 2>&1 && break
  ((attempt < 120)) || { echo "register.sh: error: Kafka Connect at $CONNECT_URL did not answer in 4 minutes" >&2; exit 1; }
  sleep 2
done

# The config object alone, with the password filled in (sed on a file that holds only
# the placeholder; the password never appears on a command line).
config=$(sed -e '1,/"config": {/d' -e '$d' "$HERE/mysql-connector.json" | sed '$d')
config="{${config//__DEBEZIUM_MYSQL_PASSWORD__/$DEBEZIUM_MYSQL_PASSWORD}}"
curl -fsS -X PUT -H 'Content-Type: application/json' --data-binary @- \
  "$CONNECT_URL/connectors/shop-mysql/config" <<<"$config" >/dev/null
echo "register.sh: connector shop-mysql registered with $CONNECT_URL"
