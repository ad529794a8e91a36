# shellcheck shell=bash
# bench/lib.sh: shared by the bench/*.sh scripts (sourced; they set PROG first).
#   die MESSAGE                      print "PROG: error: MESSAGE" and exit 1
#   calc EXPRESSION                  floating-point arithmetic with awk (bc is not always there)
#   bench_release_build TARGET...    build/ must be a Release build; builds the targets if missing
#   bench_start_mariadb              MariaDB through scripts/services.sh in $SHOP_SERVICES_DIR
#                                    (default /tmp/shopstream-bench), stopped again on exit if
#                                    started here; sets BENCH_HOST, BENCH_PORT and the
#                                    BENCH_CLIENT array (the mariadb client, as root)
#   bench_start_postgres             PostgreSQL likewise; sets BENCH_PG_URL (superuser postgres)
#   bench_start_kafka                the Kafka dev broker (build/support/kafka-dev-broker)
#                                    likewise; sets BENCH_BROKERS (host:port)
#   bench_topic_messages TOPIC       messages ever appended to TOPIC (sum of its partitions'
#                                    end offsets: the dev broker's retention drops old ones)
#   bench_on_exit COMMAND            one more thing to do on exit (e.g. remove a temp dir)

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

bench_release_build() {
  local target missing=0
  for target in "$@"; do [[ -x build/bin/$target ]] || missing=1; done
  if ((missing)); then
    printf '%s: building the release preset\n' "$PROG" >&2
    cmake --preset release >/dev/null && cmake --build --preset release --target "$@" >/dev/null
  fi
  grep -q 'CMAKE_BUILD_TYPE:STRING=Release' build/CMakeCache.txt || die "build/ is not a Release build"
}

BENCH_EXIT_COMMANDS=()
bench_on_exit() { BENCH_EXIT_COMMANDS+=("$1"); }
bench_run_exit_commands() {
  local command
  for command in "${BENCH_EXIT_COMMANDS[@]}"; do eval "$command" || true; done
}
trap bench_run_exit_commands EXIT

# shellcheck disable=SC2034  # BENCH_* are for the scripts that source this file
bench_start_mariadb() {
  command -v mariadb >/dev/null || die "the mariadb client is missing (apt-get install mariadb-client)"
  export SHOP_SERVICES_DIR=${SHOP_SERVICES_DIR:-/tmp/shopstream-bench}
  if ! scripts/services.sh env | grep -q MYSQL_URL; then
    bench_on_exit 'scripts/services.sh stop mariadb >/dev/null 2>&1'
  fi
  eval "$(scripts/services.sh start mariadb)"
  # MYSQL_URL is mysql://user@host:port/db as services.sh prints it.
  local hostport=${MYSQL_URL#mysql://*@}
  hostport=${hostport%%/*}
  BENCH_HOST=${hostport%:*}
  BENCH_PORT=${hostport##*:}
  BENCH_CLIENT=(mariadb --protocol=tcp -h "$BENCH_HOST" -P "$BENCH_PORT" -u root)
}

# shellcheck disable=SC2034  # BENCH_* are for the scripts that source this file
bench_start_kafka() {
  command -v kcat >/dev/null || die "kcat is missing (apt-get install kcat)"
  [[ -x build/support/kafka-dev-broker ]] || cmake --build --preset release --target kafka-dev-broker >/dev/null
  export SHOP_SERVICES_DIR=${SHOP_SERVICES_DIR:-/tmp/shopstream-bench}
  export SHOP_KAFKA_DEV_BROKER=${SHOP_KAFKA_DEV_BROKER:-$PWD/build/support/kafka-dev-broker}
  if ! scripts/services.sh env | grep -q KAFKA_BROKERS; then
    bench_on_exit 'scripts/services.sh stop kafka >/dev/null 2>&1'
  fi
  eval "$(scripts/services.sh start kafka)"
  BENCH_BROKERS=$KAFKA_BROKERS
}

bench_topic_messages() {
  local partitions queries=() p
  partitions=$(kcat -L -b "$BENCH_BROKERS" -t "$1" -m 10 | sed -n "s/^ *topic \"$1\" with \([0-9]*\) partitions:/\1/p")
  [[ -n $partitions ]] || die "topic $1 not found"
  for ((p = 0; p < partitions; p++)); do queries+=(-t "$1:$p:-1"); done
  kcat -Q -b "$BENCH_BROKERS" -m 10 "${queries[@]}" | awk '{ total += $NF } END { print total + 0 }'
}

# shellcheck disable=SC2034  # BENCH_* are for the scripts that source this file
bench_start_postgres() {
  command -v psql >/dev/null || die "psql is missing (apt-get install postgresql-client)"
  export SHOP_SERVICES_DIR=${SHOP_SERVICES_DIR:-/tmp/shopstream-bench}
  if ! scripts/services.sh env | grep -q DATABASE_URL; then
    bench_on_exit 'scripts/services.sh stop postgres >/dev/null 2>&1'
  fi
  eval "$(scripts/services.sh start postgres)"
  BENCH_PG_URL=$DATABASE_URL
}
