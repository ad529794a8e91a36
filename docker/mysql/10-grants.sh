#!/bin/bash
# MySQL's entrypoint runs this once, after creating the `shop` database from
# MYSQL_DATABASE and loading 00-schema.sql (sql/mysql/schema.sql) into it.
# The users the demo's programs log in as:
#   shop         shop-seed, shop-purchases, shop-restock: everything on shop.*
#   materialize  Materialize's MySQL source (its documented grants)
#   debezium     Debezium's MySQL connector (the `debezium` profile)
# Passwords come from the container's environment (compose.yml), never from this file.
set -euo pipefail

: "${SHOP_MYSQL_PASSWORD:?SHOP_MYSQL_PASSWORD is not set}"
: "${MATERIALIZE_MYSQL_PASSWORD:?MATERIALIZE_MYSQL_PASSWORD is not set}"
: "${DEBEZIUM_MYSQL_PASSWORD:?DEBEZIUM_MYSQL_PASSWORD is not set}"

# The passwords reach mysql on stdin, so they never show in a process list.
mysql --protocol=socket -uroot ${MYSQL_ROOT_PASSWORD:+-p"$MYSQL_ROOT_PASSWORD"} <<SQL
CREATE USER IF NOT EXISTS 'shop'@'%' IDENTIFIED BY '${SHOP_MYSQL_PASSWORD}';
GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'%';

CREATE USER IF NOT EXISTS 'materialize'@'%' IDENTIFIED BY '${MATERIALIZE_MYSQL_PASSWORD}';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'materialize'@'%';

CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY '${DEBEZIUM_MYSQL_PASSWORD}';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'debezium'@'%';

FLUSH PRIVILEGES;
SQL
