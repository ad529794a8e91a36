#!/usr/bin/env bash
# The PostgreSQL test server (scripts/services.sh, fixture service_postgres): it answers
# on the exported port as superuser `postgres`, and a restart keeps its port and its data.
# Restarts the server: registered with RESOURCE_LOCK postgres.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set (is the postgres fixture running?)"
port=$(url_port "$DATABASE_URL")
expect_match "DATABASE_URL has the documented shape" \
  '^postgres://postgres@127\.0\.0\.1:[0-9]+/postgres$' "$DATABASE_URL"

db=harness_postgres
# sql DATABASE STATEMENT: through the URL, as a client program would connect.
sql() {
  PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -At \
    "postgres://postgres@127.0.0.1:$port/$1" -c "$2"
}

expect_eq "the server answers through DATABASE_URL" "1" \
  "$(PGCONNECT_TIMEOUT=5 psql -X -At "$DATABASE_URL" -c 'SELECT 1')"
expect_ok "pg_isready" pg_isready -q -h 127.0.0.1 -p "$port" -U postgres -t 5
expect_eq "on the exported port" "$port" "$(sql postgres 'SHOW port')"
expect_eq "listening on loopback only" "127.0.0.1" "$(sql postgres 'SHOW listen_addresses')"
expect_eq "connected as a superuser" "on" "$(sql postgres 'SHOW is_superuser')"
expect_eq "UTF8 encoding" "UTF8" "$(sql postgres 'SHOW server_encoding')"

token=$(date +%s%N)-$$
sql postgres "DROP DATABASE IF EXISTS $db"
sql postgres "CREATE DATABASE $db"
on_exit sql postgres "DROP DATABASE IF EXISTS $db"
sql "$db" "CREATE TABLE kept (id int PRIMARY KEY, token text NOT NULL);
           INSERT INTO kept VALUES (1, '$token')"

"$SERVICES_SH" stop postgres
on_exit "$SERVICES_SH" start postgres # brings it back if an assertion below aborts
expect_fail "the server is down after stop" pg_isready -q -h 127.0.0.1 -p "$port" -t 2
expect_eq "services.sh env omits a stopped server" "" \
  "$("$SERVICES_SH" env | grep DATABASE_URL || true)"
expect_eq "start prints the same URL (same port)" "export DATABASE_URL='$DATABASE_URL'" \
  "$("$SERVICES_SH" start postgres | grep '^export DATABASE_URL=')"
expect_eq "the row written before the restart is there" "$token" \
  "$(sql "$db" 'SELECT token FROM kept WHERE id = 1')"
expect_eq "start of a running server is a no-op with the same lines" \
  "export DATABASE_URL='$DATABASE_URL'
export SHOP_POSTGRES_LOG='${SHOP_POSTGRES_LOG:?}'
export SHOP_TLS_DIR='${SHOP_TLS_DIR:?}'" "$("$SERVICES_SH" start postgres)"

# TLS with the harness CA: verified against ca.pem, refused against another CA.
expect_eq "TLS, verified against the harness CA (verify-full)" "t" \
  "$(psql -X "postgresql://postgres@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$SHOP_TLS_DIR/ca.pem" \
    -Atc 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')"
expect_fail "another CA does not verify the server" \
  psql -X "postgresql://postgres@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$SHOP_TLS_DIR/other-ca.pem" -Atc 'SELECT 1'
