#!/usr/bin/env bash
# with-services.sh [--require SERVICE]... [--] COMMAND [ARG...]
#
# Runs COMMAND with the connection variables of the running test servers
# (MYSQL_URL, MYSQL_TLS_URL, DATABASE_URL, KAFKA_BROKERS, SHOP_TLS_DIR, from `scripts/services.sh env` with the same
# SHOP_SERVICES_DIR). Each --require'd service (mariadb, mariadb-tls, postgres, kafka) must be running:
# otherwise this fails (exit 1) with a message, so an integration test never passes or
# skips silently without its server. shop_add_integration_test() (tests/support/
# CMakeLists.txt) registers every integration test through this script.
set -euo pipefail

readonly PROG=with-services.sh
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
services_sh=$here/../../scripts/services.sh

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

required=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --require)
      [[ $# -ge 2 ]] || die "--require needs a service name"
      required+=("$2")
      shift 2
      ;;
    --)
      shift
      break
      ;;
    *) break ;;
  esac
done
[[ $# -gt 0 ]] || die "no command given (usage: $PROG [--require SERVICE]... [--] COMMAND [ARG...])"

env_lines=$("$services_sh" env) || die "scripts/services.sh env failed"
eval "$env_lines"

for svc in "${required[@]}"; do
  case $svc in
    mariadb) var=MYSQL_URL ;;
    mariadb-tls) var=MYSQL_TLS_URL ;;
    postgres) var=DATABASE_URL ;;
    kafka) var=KAFKA_BROKERS ;;
    *) die "unknown service '$svc' (expected mariadb, mariadb-tls, postgres or kafka)" ;;
  esac
  if ! grep -q "^export $var=" <<<"$env_lines"; then
    die "$svc is not running in ${SHOP_SERVICES_DIR:-/tmp/shopstream-services} (its CTest fixture services.start.$svc failed or did not run; by hand: eval \"\$(scripts/services.sh start $svc)\")"
  fi
done

exec "$@"
