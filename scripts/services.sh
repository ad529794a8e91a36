#!/usr/bin/env bash
# services.sh — the test servers of shopstream, on loopback, from temporary state.
#
#   scripts/services.sh start [mariadb|mariadb-tls|postgres|kafka ...]
#                                                            start (default: mariadb,
#                                                            postgres and kafka)
#   scripts/services.sh env                                  export lines of what is running
#   scripts/services.sh stop  [mariadb|postgres|kafka ...]   stop cleanly (default: all)
#   scripts/services.sh discard [mariadb|postgres|kafka ...] stop, and free the memory a
#                                                            service's data takes (MariaDB's
#                                                            in /dev/shm); the CTest cleanup
#                                                            fixtures use it
#   scripts/services.sh broker-down | broker-up              Kafka dev broker refuses / serves
#
# `start` waits until each server really answers (a query, a metadata request), then
# prints eval-able lines on stdout:
#   export MYSQL_URL='mysql://root@127.0.0.1:PORT/shop'
#   export DATABASE_URL='postgres://postgres@127.0.0.1:PORT/postgres'
#   export KAFKA_BROKERS='127.0.0.1:PORT'
#   export MYSQL_TLS_URL='mysql://root@127.0.0.1:PORT/shop'   (mariadb-tls)
#   export SHOP_TLS_DIR='...'   the harness CA and certificates (below)
# so `eval "$(scripts/services.sh start)"` sets up a shell. Progress goes to stderr.
#
# State lives under ${SHOP_SERVICES_DIR:-/tmp/shopstream-services}/<service>/ (data, log,
# pid, the chosen port). Stopping and starting a service keeps its port and, for MariaDB
# and PostgreSQL, its data. The Kafka dev broker (tests/support/kafka_dev_broker.cpp, on
# librdkafka's mock cluster) keeps its port but holds topics in memory only: they survive
# broker-down/broker-up, not stop/start.
#
#   MariaDB     mariadbd from a private data dir: row binlog (log_bin, binlog_format=ROW,
#               binlog_row_image=FULL, binlog_row_metadata=FULL), server_id=1,
#               gtid_strict_mode, log_slave_updates, local_infile; root@127.0.0.1 without
#               password; database `shop`.
#   MariaDB TLS a second MariaDB as above with TLS (the harness CA's server certificate)
#               and require_secure_transport=ON, listening on 127.0.0.1 and 127.0.0.2
#               (a second loopback address that is not in the certificate, for tests of
#               host name verification).
#   PostgreSQL  a private cluster (initdb -U postgres, trust auth, fsync=off), ssl = on
#               with the harness CA's server certificate (TLS offered, not required). initdb and
#               the server refuse to run as root, so as root they run as the system user
#               `postgres`, which must be able to reach the state directory.
#   Kafka       the dev broker: SHOP_KAFKA_DEV_BROKER, else build/support/kafka-dev-broker.
#
# MariaDB's data directory is in /dev/shm when there is one (see mariadb_data_dir).
#
# TLS material (ensure_tls_material), made once with openssl in $SHOP_SERVICES_DIR/tls/:
#   ca.pem              the harness CA, which signed:
#   server.pem/.key     for DNS:localhost and IP:127.0.0.1 (not 127.0.0.2)
#   client.pem/.key     a client certificate (CN shop-client)
#   other-ca.pem        an unrelated CA: a "wrong CA" for tests
#
# Environment: SHOP_SERVICES_DIR (state), SHOP_SERVICES_DATA_ON_DISK=1 (MariaDB's data
# under it too), SHOP_KAFKA_DEV_BROKER (broker program),
# SHOP_SERVICES_TIMEOUT (seconds to wait for a server, default 60).
# Exit status: 0 success, 1 a server failed (its log tail is shown), 2 usage error.
set -euo pipefail

readonly PROG=services.sh
readonly ALL_SERVICES=(mariadb mariadb-tls postgres kafka)
# What `start` alone starts: the servers of the demo's pipeline (mariadb-tls on request).
readonly DEFAULT_SERVICES=(mariadb postgres kafka)
REPO_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO_ROOT
TIMEOUT=${SHOP_SERVICES_TIMEOUT:-60}
SERVICES_DIR=${SHOP_SERVICES_DIR:-/tmp/shopstream-services}
case $SERVICES_DIR in
  /*) ;;
  *) SERVICES_DIR=$PWD/$SERVICES_DIR ;;
esac
SERVICES_DIR=${SERVICES_DIR%/}
readonly SERVICES_DIR
IS_ROOT=false
if [[ $(id -u) -eq 0 ]]; then IS_ROOT=true; fi
readonly IS_ROOT

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}
usage_error() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  printf 'usage: %s start|stop|discard [mariadb|mariadb-tls|postgres|kafka ...] | env | broker-down | broker-up\n' "$PROG" >&2
  exit 2
}

usage() {
  cat <<EOF
usage: $PROG COMMAND [SERVICE ...]

Commands:
  start [SERVICE ...]   start services (default: mariadb postgres kafka) on free 127.0.0.1
                        ports, wait until they answer, print export lines on stdout
  env                   print the export lines of the running services
  stop [SERVICE ...]    stop services (default: all), waiting for them to exit
  discard [SERVICE ...] stop them, and delete data kept in memory (MariaDB's, in /dev/shm):
                        the next start begins with a new data directory
  broker-down           the Kafka dev broker refuses connections (process and topics kept)
  broker-up             the Kafka dev broker serves again, on the same port
  help                  this text

State: \${SHOP_SERVICES_DIR:-/tmp/shopstream-services} (now: $SERVICES_DIR)
Typical use:  eval "\$(scripts/services.sh start)"; ...; scripts/services.sh stop
EOF
}

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------

# need_bin NAME PACKAGE: path of a program, also looking in the sbin directories that a
# normal user's PATH lacks; dies naming the Debian package when it is missing.
need_bin() {
  local name=$1 package=$2 dir
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return 0
  fi
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    if [[ -x $dir/$name ]]; then
      printf '%s\n' "$dir/$name"
      return 0
    fi
  done
  die "$name not found (install the Debian package $package: apt-get install -y $package)"
}

svc_dir() { printf '%s/%s\n' "$SERVICES_DIR" "$1"; }

# pid_alive PID [PATTERN]: the process exists and, if given, its command line contains
# PATTERN (guards against a stale pid file whose number was reused).
pid_alive() {
  local pid=$1 pattern=${2:-} cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -d /proc/$pid ]] || return 1
  if [[ -n $pattern ]]; then
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"$pattern"* ]] || return 1
  fi
  # A zombie has exited already.
  [[ $(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) != Z ]]
}

read_first_line() {
  local file=$1 line=''
  if [[ -r $file ]]; then IFS= read -r line <"$file" || true; fi
  printf '%s\n' "$line"
}

# pid of the running server of a service, or nothing.
service_pid() {
  local svc=$1 dir pid
  dir=$(svc_dir "$svc")
  case $svc in
    mariadb | mariadb-tls)
      # Known by its pid file, wherever its data is (a server started before the data
      # moved to /dev/shm is still found, and stopped).
      pid=$(read_first_line "$dir/mariadbd.pid")
      pid_alive "$pid" "--pid-file=$dir/mariadbd.pid" && printf '%s\n' "$pid"
      ;;
    postgres)
      pid=$(read_first_line "$dir/data/postmaster.pid")
      pid_alive "$pid" "$dir/data" && printf '%s\n' "$pid"
      ;;
    kafka)
      pid=$(read_first_line "$dir/kafka.pid")
      pid_alive "$pid" "--control-port $(port_of kafka control-port)" && printf '%s\n' "$pid"
      ;;
  esac
  return 0
}

is_running() { [[ -n $(service_pid "$1") ]]; }

# Local TCP ports in use (any state), and ports already assigned to a service here.
used_ports() {
  local f addr
  for f in /proc/net/tcp /proc/net/tcp6; do
    [[ -r $f ]] || continue
    while read -r _ addr _; do
      [[ $addr == *:* ]] || continue
      printf '%d\n' "$((16#${addr##*:}))"
    done < <(tail -n +2 "$f")
  done
  for f in "$SERVICES_DIR"/*/port "$SERVICES_DIR"/*/control-port; do
    [[ -r $f ]] && read_first_line "$f"
  done
  return 0
}

# A free port below the kernel's ephemeral range, so client connections never take it.
pick_free_port() {
  local -A used=()
  local p low=32768 _high
  while read -r p; do [[ -n $p ]] && used[$p]=1; done < <(used_ports)
  if [[ -r /proc/sys/net/ipv4/ip_local_port_range ]]; then
    read -r low _high </proc/sys/net/ipv4/ip_local_port_range || true
  fi
  local lo=20000 hi=$((low - 1))
  if ((hi - lo < 1000)); then lo=10000; fi
  for _ in {1..500}; do
    p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
    if [[ -z ${used[$p]:-} ]]; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  die "no free TCP port found between $lo and $hi"
}

# port_of SERVICE [FILE]: the persisted port (file `port`, or another file name).
port_of() { read_first_line "$(svc_dir "$1")/${2:-port}"; }

export_line() {
  local svc=$1 port
  port=$(port_of "$svc")
  case $svc in
    mariadb) printf "export MYSQL_URL='mysql://root@127.0.0.1:%s/shop'\n" "$port" ;;
    mariadb-tls)
      printf "export MYSQL_TLS_URL='mysql://root@127.0.0.1:%s/shop'\n" "$port"
      printf "export SHOP_TLS_DIR='%s'\n" "$(tls_dir)"
      ;;
    postgres)
      printf "export DATABASE_URL='postgres://postgres@127.0.0.1:%s/postgres'\n" "$port"
      printf "export SHOP_POSTGRES_LOG='%s'\n" "$(svc_dir postgres)/postgres.log"
      printf "export SHOP_TLS_DIR='%s'\n" "$(tls_dir)"
      ;;
    kafka) printf "export KAFKA_BROKERS='127.0.0.1:%s'\n" "$port" ;;
  esac
}

show_log_tail() {
  local file=$1
  if [[ -s $file ]]; then
    printf '%s: ---- last 40 lines of %s ----\n' "$PROG" "$file" >&2
    tail -n 40 -- "$file" | sed 's/^/  | /' >&2
    printf '%s: ---- end of %s ----\n' "$PROG" "$file" >&2
  else
    printf '%s: (log %s is empty or missing)\n' "$PROG" "$file" >&2
  fi
}

# start_failed SERVICE LOG WHY: the log tail, then the error; exits 1.
start_failed() {
  show_log_tail "$2"
  die "$1 did not start ($3)"
}

# stop_pid PID NAME: SIGTERM, then wait for the process to exit (SIGKILL after TIMEOUT).
stop_pid() {
  local pid=$1 name=$2 deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + TIMEOUT))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      log "warning: $name (pid $pid) did not exit within ${TIMEOUT} s of SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
  done
}

LOCK_FD=
# Serialise start/stop of one service between concurrent services.sh runs (CTest may
# start several fixtures at once). Daemons are started with the lock fd closed.
lock_service() {
  exec {LOCK_FD}>>"$SERVICES_DIR/.$1.lock"
  if ! flock -w "$((TIMEOUT * 2))" "$LOCK_FD"; then
    die "another services.sh holds $SERVICES_DIR/.$1.lock for too long"
  fi
}
unlock_service() {
  if [[ -n $LOCK_FD ]]; then
    exec {LOCK_FD}>&-
    LOCK_FD=
  fi
}

ensure_services_dir() {
  if [[ ! -d $SERVICES_DIR ]]; then
    mkdir -p -- "$SERVICES_DIR" || die "cannot create $SERVICES_DIR"
    # Other users (postgres, when run as root) must be able to reach their state dir.
    chmod 755 -- "$SERVICES_DIR" 2>/dev/null || true
  fi
  [[ -w $SERVICES_DIR ]] || die "$SERVICES_DIR is not writable by $(id -un) (set SHOP_SERVICES_DIR)"
}

# wait_ready SERVICE PID LOG CHECK...: poll CHECK until it succeeds; fail if PID exits or
# the deadline passes. With PID empty only the deadline applies.
wait_ready() {
  local svc=$1 pid=$2 logfile=$3 deadline status how
  shift 3
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      how="the server process (pid $pid) exited before answering"
      status=0
      wait "$pid" 2>/dev/null || status=$?
      # 127: not a child of this shell (pg_ctl started it), so no status to tell.
      if ((status != 127)); then how+=", exit status $status"; fi
      start_failed "$svc" "$logfile" "$how"
    fi
    if ((SECONDS >= deadline)); then
      start_failed "$svc" "$logfile" "no answer on 127.0.0.1:$(port_of "$svc") within ${TIMEOUT} s"
    fi
    sleep 0.25
  done
}

# ---------------------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------------------
mariadb_client() {
  local port=$1
  shift
  "$MARIADB_CLIENT" --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u root \
    --connect-timeout=3 -N -B "$@"
}

mariadb_answers() { [[ $(mariadb_client "$1" -e 'SELECT 1' 2>/dev/null) == 1 ]]; }
mariadb_query() { mariadb_client "$@"; }
# The TLS server, verified against the harness CA (it refuses clients without TLS).
mariadb_query_tls() {
  local port=$1
  shift
  mariadb_client "$port" --ssl --ssl-ca="$(tls_dir)/ca.pem" --ssl-verify-server-cert "$@"
}
mariadb_answers_tls() { [[ $(mariadb_query_tls "$1" -e 'SELECT 1' 2>/dev/null) == 1 ]]; }

# MariaDB's data lives in memory (/dev/shm) when there is one: the test server's
# durability is no test's business, and this VM's disk stalls writes now and then for
# 100-900 ms (seen as such in shop-purchases' and sysbench's open-loop latency), which
# would otherwise show in every latency measured against it (--find-max, stages).
# SHOP_SERVICES_DATA_ON_DISK=1 keeps it under the state directory. The choice made when
# the data directory was created is kept in <state>/mariadb/data-dir, so later commands
# find the same data whatever their environment.
mariadb_data_dir() {
  local dir=$1 recorded
  recorded=$(read_first_line "$dir/data-dir")
  if [[ -n $recorded ]]; then
    printf '%s\n' "$recorded"
  elif [[ ${SHOP_SERVICES_DATA_ON_DISK:-0} != 1 && -d /dev/shm && -w /dev/shm ]]; then
    printf '/dev/shm/shopstream-mariadb-%s\n' "$(printf '%s' "$dir" | cksum | cut -d' ' -f1)"
  else
    printf '%s/data\n' "$dir"
  fi
}

# The harness CA and the certificates it signed, made once per state directory (see the
# header). Under a lock of its own: CTest may start the TLS servers at the same time.
tls_dir() { printf '%s/tls\n' "$SERVICES_DIR"; }
ensure_tls_material() {
  local dir fd openssl
  dir=$(tls_dir)
  [[ -s $dir/complete ]] && return 0
  openssl=$(need_bin openssl openssl)
  mkdir -p -- "$dir"
  exec {fd}>>"$SERVICES_DIR/.tls.lock"
  flock -w "$TIMEOUT" "$fd" || die "another services.sh holds $SERVICES_DIR/.tls.lock for too long"
  if [[ ! -s $dir/complete ]]; then
    log "tls: making the harness CA and certificates in $dir"
    (
      set -e
      cd -- "$dir"
      make_ca() {  # make_ca NAME SUBJECT
        "$openssl" req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "$2" \
          -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
          -keyout "$1.key" -out "$1.pem"
      }
      sign() {  # sign NAME SUBJECT EXTENSIONS: a leaf certificate signed by ca.pem
        "$openssl" req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr"
        printf '%s\n' "$3" >"$1.ext"
        "$openssl" x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
          -extfile "$1.ext" -out "$1.pem"
        rm -f -- "$1.csr" "$1.ext"
      }
      make_ca ca "/CN=shopstream test CA"
      make_ca other-ca "/CN=another CA"
      sign server "/CN=localhost" "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth"
      sign client "/CN=shop-client" "extendedKeyUsage=clientAuth"
      # Readable by the servers' users (postgres copies its key into its own data dir);
      # libpq refuses a client key that others can read.
      chmod 644 -- *.pem *.key
      chmod 600 -- client.key
    ) >>"$dir/openssl.log" 2>&1 || {
      show_log_tail "$dir/openssl.log"
      die "tls: openssl could not make the test certificates"
    }
    printf 'ok\n' >"$dir/complete"
  fi
  exec {fd}>&-
}

# start_mariadb_server SERVICE PORT: mariadb, or mariadb-tls (TLS with the harness CA's
# server certificate, required of every client).
start_mariadb_server() {
  local svc=$1 port=$2 dir data logfile sock pid mariadbd install_db
  local -a user_args=() tls_args=()
  mariadbd=$(need_bin mariadbd mariadb-server)
  install_db=$(need_bin mariadb-install-db mariadb-server)
  MARIADB_CLIENT=$(need_bin mariadb mariadb-client)
  dir=$(svc_dir "$svc")
  data=$(mariadb_data_dir "$dir")
  logfile=$dir/mariadb.log
  if $IS_ROOT; then user_args=(--user=root); fi
  local bind=127.0.0.1
  if [[ $svc == mariadb-tls ]]; then
    ensure_tls_material
    # MariaDB 10.11 takes a comma-separated bind-address list; 127.0.0.2 is a loopback
    # address the certificate does not name.
    bind=127.0.0.1,127.0.0.2
    tls_args=(--ssl-ca="$(tls_dir)/ca.pem" --ssl-cert="$(tls_dir)/server.pem"
      --ssl-key="$(tls_dir)/server.key" --require-secure-transport=ON)
  fi

  if [[ ! -d $data/mysql ]]; then
    rm -rf -- "$data"
    printf '%s\n' "$data" >"$dir/data-dir"
    log "$svc: creating a data directory in $data"
    if ! "$install_db" --no-defaults --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db --skip-name-resolve "${user_args[@]}" >>"$logfile" 2>&1 {LOCK_FD}>&-; then
      start_failed "$svc" "$logfile" "mariadb-install-db failed"
    fi
  fi

  # A Unix socket path is limited to 107 bytes; only scripts on this machine would use it.
  sock=$dir/mariadbd.sock
  if ((${#sock} > 100)); then
    sock=${TMPDIR:-/tmp}/shopstream-$svc-$(printf '%s' "$dir" | cksum | cut -d' ' -f1).sock
  fi

  log "$svc: starting on $bind port $port"
  setsid "$mariadbd" --no-defaults --datadir="$data" --port="$port" --bind-address="$bind" \
    --socket="$sock" --pid-file="$dir/mariadbd.pid" --log-error="$logfile" \
    --skip-name-resolve --innodb-buffer-pool-size=256M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --log-bin=mariadb-bin --binlog-format=ROW --binlog-row-image=FULL \
    --binlog-row-metadata=FULL --server-id=1 --gtid-strict-mode=ON --log-slave-updates=ON \
    --local-infile=ON "${tls_args[@]}" "${user_args[@]}" \
    </dev/null >>"$logfile" 2>&1 {LOCK_FD}>&- &
  pid=$!
  local -a check=(mariadb_answers "$port")
  if [[ $svc == mariadb-tls ]]; then check=(mariadb_answers_tls "$port"); fi
  wait_ready "$svc" "$pid" "$logfile" "${check[@]}"
  if ! "${check[@]/answers/query}" -e 'CREATE DATABASE IF NOT EXISTS shop' >>"$logfile" 2>&1; then
    start_failed "$svc" "$logfile" "CREATE DATABASE shop failed"
  fi
}
start_mariadb() { start_mariadb_server mariadb "$1"; }
start_mariadb_tls() { start_mariadb_server mariadb-tls "$1"; }

stop_mariadb_server() {
  local svc=$1 pid
  pid=$(service_pid "$svc")
  [[ -n $pid ]] || return 0
  log "$svc: stopping (pid $pid)"
  stop_pid "$pid" mariadbd
}
stop_mariadb() { stop_mariadb_server mariadb; }
stop_mariadb_tls() { stop_mariadb_server mariadb-tls; }

# ---------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------
PG_BINDIR=
AS_PG=()
pg_setup() {
  local d
  # Several versions may be installed: take the newest.
  PG_BINDIR=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | while read -r d; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && printf '%s\n' "$d"
  done | tail -n 1)
  [[ -n $PG_BINDIR ]] ||
    die "PostgreSQL server programs not found in /usr/lib/postgresql/*/bin (install the Debian package postgresql: apt-get install -y postgresql)"
  [[ -x $PG_BINDIR/psql && -x $PG_BINDIR/pg_isready ]] ||
    die "psql/pg_isready not found in $PG_BINDIR (install the Debian package postgresql-client)"
  if $IS_ROOT; then
    id postgres >/dev/null 2>&1 ||
      die "initdb refuses to run as root and there is no 'postgres' user to run it (install the Debian package postgresql, which creates it)"
    AS_PG=(runuser -u postgres --)
  fi
}

# The first directory on the way to $1 that the postgres user cannot enter.
first_untraversable() {
  local path=$1 prefix=
  local -a parts
  IFS=/ read -r -a parts <<<"${path#/}"
  local part
  for part in "${parts[@]}"; do
    prefix=$prefix/$part
    if ! "${AS_PG[@]}" test -x "$prefix"; then
      printf '%s\n' "$prefix"
      return 0
    fi
  done
  printf '%s\n' "$path"
}

pg_answers() {
  local port=$1
  "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 3 &&
    [[ $(PGCONNECT_TIMEOUT=3 "$PG_BINDIR/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres \
      -d postgres -Atc 'SELECT 1' 2>/dev/null) == 1 ]]
}

# Write a file as the user the cluster runs as.
pg_write_file() { "${AS_PG[@]}" tee -- "$1" >/dev/null; }

start_postgres() {
  local port=$1 dir data logfile sockdirs bad
  pg_setup
  dir=$(svc_dir postgres)
  data=$dir/data
  logfile=$dir/postgres.log
  mkdir -p -- "$dir"
  if $IS_ROOT; then
    # The server (as postgres) appends to the log that this script also writes to.
    touch -- "$logfile"
    chown postgres: -- "$dir" "$logfile"
    chmod 700 -- "$dir"
    if ! "${AS_PG[@]}" test -w "$dir"; then
      bad=$(first_untraversable "$dir")
      die "postgres did not start (the system user 'postgres' cannot reach $dir: $bad is not traversable for it; use a SHOP_SERVICES_DIR under /tmp or chmod o+x $bad)"
    fi
  fi

  if [[ ! -f $data/PG_VERSION ]]; then
    rm -rf -- "$data"
    log "postgres: creating a cluster in $data ($PG_BINDIR)"
    if ! "${AS_PG[@]}" "$PG_BINDIR/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale \
      --no-sync >>"$logfile" 2>&1 {LOCK_FD}>&-; then
      start_failed postgres "$logfile" "initdb failed"
    fi
    printf "include_if_exists = 'shopstream.conf'\n" |
      "${AS_PG[@]}" tee -a -- "$data/postgresql.conf" >/dev/null
  fi

  # TLS offered with the harness CA's server certificate; the key must belong to the
  # server's user with no access for others, so the server gets its own copies. With
  # ssl_ca_file the server asks for a client certificate and checks one that is sent.
  ensure_tls_material
  local f
  for f in server.pem server.key ca.pem; do
    "${AS_PG[@]}" cp -- "$(tls_dir)/$f" "$data/tls-$f"
    "${AS_PG[@]}" chmod 600 -- "$data/tls-$f"
  done

  # The Unix socket path ($dir/.s.PGSQL.PORT.lock) must fit in 107 bytes; else TCP only.
  sockdirs=$dir
  if ((${#dir} + ${#port} + 16 > 107)); then sockdirs=; fi
  pg_write_file "$data/shopstream.conf" <<EOF
# Written by scripts/services.sh on each start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '${sockdirs//\'/\'\'}'
fsync = off
full_page_writes = off
logging_collector = off
ssl = on
ssl_cert_file = 'tls-server.pem'
ssl_key_file = 'tls-server.key'
ssl_ca_file = 'tls-ca.pem'
# Who sent what: tests that check the statements a program sends (ALTER DATABASE ... SET
# log_statement = 'all') find them by database and application name.
log_line_prefix = '%m [%p] db=%d app=%a: '
EOF

  log "postgres: starting on 127.0.0.1:$port"
  # -s: errors only (not "waiting for server to start.... done"); the log has the rest.
  if ! "${AS_PG[@]}" "$PG_BINDIR/pg_ctl" -s -D "$data" -l "$logfile" -w -t "$TIMEOUT" start \
    </dev/null >&2 {LOCK_FD}>&-; then
    start_failed postgres "$logfile" "pg_ctl start failed"
  fi
  wait_ready postgres "$(read_first_line "$data/postmaster.pid")" "$logfile" pg_answers "$port"
}

stop_postgres() {
  local pid
  pid=$(service_pid postgres)
  [[ -n $pid ]] || return 0
  pg_setup
  log "postgres: stopping (pid $pid)"
  if ! "${AS_PG[@]}" "$PG_BINDIR/pg_ctl" -s -D "$(svc_dir postgres)/data" -m fast -w -t "$TIMEOUT" \
    stop </dev/null >&2; then
    log "warning: pg_ctl stop failed; sending SIGTERM"
  fi
  stop_pid "$pid" postgres
}

# ---------------------------------------------------------------------------------------
# Kafka dev broker
# ---------------------------------------------------------------------------------------
find_broker() {
  local candidate
  if [[ -n ${SHOP_KAFKA_DEV_BROKER:-} ]]; then
    [[ -x $SHOP_KAFKA_DEV_BROKER ]] ||
      die "SHOP_KAFKA_DEV_BROKER=$SHOP_KAFKA_DEV_BROKER is not an executable file (build it: cmake --build <build dir> --target kafka-dev-broker)"
    printf '%s\n' "$SHOP_KAFKA_DEV_BROKER"
    return 0
  fi
  candidate=$REPO_ROOT/build/support/kafka-dev-broker
  if [[ -x $candidate ]]; then
    printf '%s\n' "$candidate"
    return 0
  fi
  die "the Kafka dev broker is not built: no $candidate (build it with 'cmake --preset release && cmake --build build --target kafka-dev-broker', or set SHOP_KAFKA_DEV_BROKER to its path)"
}

kafka_answers() { "$KCAT" -L -b "127.0.0.1:$1" -m 2 >/dev/null 2>&1; }

# control COMMAND: one request/reply on the dev broker's control port; prints the reply.
control() {
  local cport reply='' fd
  cport=$(port_of kafka control-port)
  [[ -n $cport ]] || die "kafka: no control port recorded in $(svc_dir kafka)"
  if ! exec {fd}<>"/dev/tcp/127.0.0.1/$cport"; then
    die "kafka: cannot reach the dev broker's control port 127.0.0.1:$cport"
  fi
  printf '%s\n' "$1" >&"$fd"
  IFS= read -r -t 30 reply <&"$fd" || true
  exec {fd}>&-
  printf '%s\n' "$reply"
}

start_kafka() {
  local port=$1 dir logfile broker cport pid
  broker=$(find_broker)
  KCAT=$(need_bin kcat kcat)
  dir=$(svc_dir kafka)
  logfile=$dir/kafka.log
  mkdir -p -- "$dir"
  cport=$(port_of kafka control-port)
  if [[ -z $cport ]]; then
    cport=$(pick_free_port)
    printf '%s\n' "$cport" >"$dir/control-port"
  fi
  log "kafka: starting the dev broker on 127.0.0.1:$port (control port $cport)"
  setsid "$broker" --port "$port" --control-port "$cport" \
    </dev/null >>"$logfile" 2>&1 {LOCK_FD}>&- &
  pid=$!
  printf '%s\n' "$pid" >"$dir/kafka.pid"
  wait_ready kafka "$pid" "$logfile" kafka_answers "$port"
}

stop_kafka() {
  local pid
  pid=$(service_pid kafka)
  [[ -n $pid ]] || return 0
  log "kafka: stopping the dev broker (pid $pid)"
  stop_pid "$pid" kafka-dev-broker
  rm -f -- "$(svc_dir kafka)/kafka.pid"
}

broker_updown() {
  local what=$1 reply
  is_running kafka || die "kafka is not running (start it: scripts/services.sh start kafka)"
  KCAT=$(need_bin kcat kcat)
  reply=$(control "$what")
  [[ $reply == ok* ]] || die "kafka: '$what' failed (${reply:-no reply from the control port})"
  if [[ $what == up ]]; then
    local deadline=$((SECONDS + TIMEOUT)) port
    port=$(port_of kafka)
    until kafka_answers "$port"; do
      ((SECONDS < deadline)) || die "kafka: broker-up sent but 127.0.0.1:$port does not answer"
      sleep 0.2
    done
  fi
  log "kafka: $reply"
}

# ---------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------

# Port-conflict messages of the three servers: a freshly picked port gets another try.
port_conflict_in() {
  tail -n 40 -- "$1" 2>/dev/null |
    grep -qiE 'address already in use|could not bind|bind on tcp/ip port|did not take port'
}

start_one() {
  local svc=$1 dir port fresh=false attempt logfile status
  dir=$(svc_dir "$svc")
  mkdir -p -- "$dir"
  lock_service "$svc"
  if is_running "$svc"; then
    log "$svc: already running (pid $(service_pid "$svc"), port $(port_of "$svc"))"
    case $svc in
      mariadb)
        MARIADB_CLIENT=$(need_bin mariadb mariadb-client)
        wait_ready mariadb "" "$dir/mariadb.log" mariadb_answers "$(port_of mariadb)"
        ;;
      mariadb-tls)
        MARIADB_CLIENT=$(need_bin mariadb mariadb-client)
        wait_ready mariadb-tls "" "$dir/mariadb.log" mariadb_answers_tls "$(port_of mariadb-tls)"
        ;;
      postgres)
        pg_setup
        wait_ready postgres "" "$dir/postgres.log" pg_answers "$(port_of postgres)"
        ;;
      kafka)
        KCAT=$(need_bin kcat kcat)
        wait_ready kafka "" "$dir/kafka.log" kafka_answers "$(port_of kafka)"
        ;;
    esac
    unlock_service
    return 0
  fi
  case $svc in
    mariadb | mariadb-tls) logfile=$dir/mariadb.log ;;
    postgres) logfile=$dir/postgres.log ;;
    kafka) logfile=$dir/kafka.log ;;
  esac
  port=$(port_of "$svc")
  if [[ -z $port ]]; then fresh=true; fi
  for attempt in 1 2 3; do
    if $fresh; then
      port=$(pick_free_port)
      printf '%s\n' "$port" >"$dir/port"
    fi
    # A failed start exits this subshell (die); a port conflict on a fresh port retries.
    # errexit stays in force inside: the subshell is not run as a condition.
    set +e
    (
      set -e
      "start_${svc//-/_}" "$port"
    )
    status=$?
    set -e
    if ((status == 0)); then break; fi
    if ! $fresh && port_conflict_in "$logfile"; then
      log "hint: port $port (kept in $dir/port) is taken by another program; stop that one, or delete $dir/port to let services.sh pick a new port"
    fi
    if ! $fresh || ((attempt == 3)) || ! port_conflict_in "$logfile"; then exit 1; fi
    log "$svc: port $port was taken meanwhile; trying another one"
  done
  unlock_service
}

cmd_start() {
  local svc
  ensure_services_dir
  for svc in "$@"; do start_one "$svc"; done
  for svc in "$@"; do export_line "$svc"; done
}

cmd_stop() {
  local svc
  [[ -d $SERVICES_DIR ]] || return 0
  for svc in "$@"; do
    [[ -d $(svc_dir "$svc") ]] || continue
    lock_service "$svc"
    "stop_${svc//-/_}"
    unlock_service
  done
}

cmd_discard() {
  local svc dir data
  cmd_stop "$@"
  for svc in "$@"; do
    [[ $svc == mariadb || $svc == mariadb-tls ]] || continue
    dir=$(svc_dir "$svc")
    [[ -d $dir ]] || continue
    lock_service "$svc"  # a `start` meanwhile waits for the data to be gone
    data=$(mariadb_data_dir "$dir")
    if [[ $data == /dev/shm/* && -d $data ]] && ! is_running "$svc"; then
      log "$svc: deleting its data in $data"
      rm -rf -- "$data"
      rm -f -- "$dir/data-dir"
    fi
    unlock_service
  done
}

cmd_env() {
  local svc
  for svc in "${ALL_SERVICES[@]}"; do
    if is_running "$svc"; then export_line "$svc"; fi
  done
}

main() {
  [[ $# -ge 1 ]] || usage_error "no command given"
  local cmd=$1 svc
  shift
  local -a services=("$@")
  case $cmd in
    start | stop | discard)
      if [[ ${#services[@]} -eq 0 && $cmd == start ]]; then services=("${DEFAULT_SERVICES[@]}"); fi
      if [[ ${#services[@]} -eq 0 ]]; then services=("${ALL_SERVICES[@]}"); fi
      for svc in "${services[@]}"; do
        case $svc in
          mariadb | mariadb-tls | postgres | kafka) ;;
          *) usage_error "unknown service '$svc' (expected mariadb, mariadb-tls, postgres or kafka)" ;;
        esac
      done
      "cmd_$cmd" "${services[@]}"
      ;;
    env)
      [[ ${#services[@]} -eq 0 ]] || usage_error "env takes no arguments"
      cmd_env
      ;;
    broker-down | broker-up)
      [[ ${#services[@]} -eq 0 ]] || usage_error "$cmd takes no arguments"
      broker_updown "${cmd#broker-}"
      ;;
    help | -h | --help) usage ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

main "$@"
