#!/bin/bash
# Registers Debezium's MySQL connector with Kafka Connect (compose.yml, profile
# `debezium`): waits for Connect's REST API, then PUTs the configuration of
# mysql-connector.json with the password from DEBEZIUM_MYSQL_PASSWORD (PUT is
# idempotent: running it again leaves the connector as configured).
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
