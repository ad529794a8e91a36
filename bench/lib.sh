# shellcheck shell=bash
# bench/lib.sh: shared by the bench/*.sh scripts (sourced; they set PROG first).
#   die MESSAGE                      print "PROG: error: MESSAGE" and exit 1
#   calc EXPRESSION                  floating-point arithmetic with awk (bc is not always there)
#   bench_release_build TARGET...    build/ must be a Release build; builds the targets if missing
#   bench_start_mariadb              MariaDB through scripts/services.sh in $SHOP_SERVICES_DIR
#                                    (default /tmp/shopstream-bench), stopped again on exit if
#                                    started here; sets BENCH_HOST, BENCH_PORT and the
#                                    BENCH_CLIENT array (the mariadb client, as root)
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
