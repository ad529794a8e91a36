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
#   bench_start_service SERVICE VAR  the generic form of the three above
#   bench_timed WORK NAME INPUT CMD  "seconds peak_kb" of one run
#   bench_greater A B                A > B, for floating-point figures
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

# bench_start_service SERVICE VARIABLE: starts one of scripts/services.sh's servers in
# $SHOP_SERVICES_DIR (default /tmp/shopstream-bench) and exports its VARIABLE; stops it
# again on exit if it was not already running.
bench_start_service() {
  export SHOP_SERVICES_DIR=${SHOP_SERVICES_DIR:-/tmp/shopstream-bench}
  if ! scripts/services.sh env | grep -q "$2"; then
    bench_on_exit "scripts/services.sh stop $1 >/dev/null 2>&1"
  fi
  eval "$(scripts/services.sh start "$1")"
}

# shellcheck disable=SC2034  # BENCH_* are for the scripts that source this file
bench_start_mariadb() {
  command -v mariadb >/dev/null || die "the mariadb client is missing (apt-get install mariadb-client)"
  bench_start_service mariadb MYSQL_URL
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
  export SHOP_KAFKA_DEV_BROKER=${SHOP_KAFKA_DEV_BROKER:-$PWD/build/support/kafka-dev-broker}
  bench_start_service kafka KAFKA_BROKERS
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
  bench_start_service postgres DATABASE_URL
  BENCH_PG_URL=$DATABASE_URL
}

# bench_timed WORK_DIR NAME INPUT COMMAND...: runs COMMAND with stdin from INPUT and stdout
# discarded; prints "seconds peak_kb" (wall clock, and peak RSS from /usr/bin/time).
bench_timed() {
  local work=$1 name=$2 input=$3 start end
  shift 3
  [[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install time)"
  start=$EPOCHREALTIME
  /usr/bin/time -f '%M' -o "$work/$name.rss" "$@" <"$input" >/dev/null 2>"$work/$name.err" ||
    die "$name failed: $(tail -n 3 "$work/$name.err")"
  end=$EPOCHREALTIME
  printf '%s %s\n' "$(calc "$end - $start")" "$(tail -n 1 "$work/$name.rss")"
}

# bench_greater A B: true when the number A is greater than B.
bench_greater() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
