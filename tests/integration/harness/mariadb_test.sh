#!/usr/bin/env bash
# The MariaDB test server (scripts/services.sh, fixture service_mariadb): it answers on
# the exported port with the CDC settings the pipeline needs, has database `shop`, and a
# restart keeps its port and its data. Restarts the server: registered with
# RESOURCE_LOCK mariadb.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

[[ -n ${MYSQL_URL:-} ]] || die "MYSQL_URL is not set (is the mariadb fixture running?)"
port=$(url_port "$MYSQL_URL")
expect_match "MYSQL_URL has the documented shape" '^mysql://root@127\.0\.0\.1:[0-9]+/shop$' "$MYSQL_URL"

sql() {
  mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u root --connect-timeout=5 \
    -N -B -e "$1"
}

expect_eq "the server answers on the exported port" "$port" "$(sql 'SELECT @@port')"
expect_eq "it listens on loopback only" "127.0.0.1" "$(sql 'SELECT @@bind_address')"
for setting in log_bin=1 binlog_format=ROW binlog_row_image=FULL binlog_row_metadata=FULL \
  gtid_strict_mode=1 server_id=1 log_slave_updates=1 local_infile=1; do
  expect_eq "@@${setting%%=*}" "${setting#*=}" "$(sql "SELECT @@${setting%%=*}")"
done
expect_eq "database shop exists" "shop" "$(sql "SHOW DATABASES LIKE 'shop'")"

# A row written before the restart, in this test's own database.
db=harness_mariadb
token=$(date +%s%N)-$$
sql "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db;
     CREATE TABLE $db.kept (id INT PRIMARY KEY, token VARCHAR(64) NOT NULL);
     INSERT INTO $db.kept VALUES (1, '$token')"
on_exit sql "DROP DATABASE IF EXISTS $db"

# The insert is in the binlog as a row event, with a GTID (what CDC readers consume).
gtid_before=$(sql 'SELECT @@gtid_binlog_pos')
expect_match "the insert got a GTID in domain 0 from server 1" '^0-1-[0-9]+$' "$gtid_before"
binlog_file=$(sql 'SHOW MASTER STATUS' | cut -f1)
expect_match "the binlog holds a row event" 'Write_rows' \
  "$(sql "SHOW BINLOG EVENTS IN '$binlog_file'" | cut -f3 | sort -u | tr '\n' ' ')"

# Restart: same port, same data, GTIDs continue.
"$SERVICES_SH" stop mariadb
on_exit "$SERVICES_SH" start mariadb # brings it back if an assertion below aborts
expect_fail "the server is down after stop" sql 'SELECT 1'
expect_eq "services.sh env omits a stopped server" "" "$("$SERVICES_SH" env | grep MYSQL_URL || true)"
expect_eq "start prints the same URL (same port)" "export MYSQL_URL='$MYSQL_URL'" \
  "$("$SERVICES_SH" start mariadb)"
expect_eq "the row written before the restart is there" "$token" \
  "$(sql "SELECT token FROM $db.kept WHERE id = 1")"
sql "INSERT INTO $db.kept VALUES (2, 'after')"
gtid_after=$(sql 'SELECT @@gtid_binlog_pos')
if ((${gtid_after##*-} > ${gtid_before##*-})); then
  ok "GTIDs continue after the restart ($gtid_before -> $gtid_after)"
else
  not_ok "GTIDs continue after the restart ($gtid_before -> $gtid_after)"
fi
expect_eq "start of a running server is a no-op with the same line" \
  "export MYSQL_URL='$MYSQL_URL'" "$("$SERVICES_SH" start mariadb)"

# Its data is in memory (this VM's disk stalls writes), and `discard` frees it: the next
# start begins with a new data directory.
datadir=$(sql 'SELECT @@datadir')
if [[ -d /dev/shm && -w /dev/shm ]]; then
  expect_match "the data directory is in /dev/shm" '^/dev/shm/shopstream-mariadb-[0-9]+/$' "$datadir"
  "$SERVICES_SH" discard mariadb
  expect_fail "discard stops the server" sql 'SELECT 1'
  expect_fail "... and deletes its data" test -e "$datadir"
  expect_eq "start after discard gives the same URL" "export MYSQL_URL='$MYSQL_URL'" "$("$SERVICES_SH" start mariadb)"
  expect_eq "... on a new data directory: the row is gone, shop is there" "0 shop" \
    "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '$db'; SHOW DATABASES LIKE 'shop'" | tr '\n' ' ' | sed 's/ $//')"
else
  ok "no writable /dev/shm: the data directory stays under the state directory ($datadir)"
fi
