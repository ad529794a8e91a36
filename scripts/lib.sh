# shellcheck shell=bash
# scripts/lib.sh: shared by the scripts that drive the Docker stack (they set PROG first).
#   die MESSAGE        print "PROG: error: MESSAGE" and exit 1
#   require_docker     fail with one line naming what is missing: Docker, its daemon (or
#                      permission), or a Compose new enough for compose.yml
#   compose ARGS...    the Compose that require_docker found (`docker compose`, or a
#                      standalone docker-compose of version 2)
#
# compose.yml needs Docker Compose 2.26.0 or later:
#   * `up --wait` (Compose 2.1; Debian 12's docker-compose 1.29 has none);
#   * `required: false` in depends_on for a dependency in a profile that is not active:
#     compose-go skips such a disabled dependency only from v2.0.2 on (loader/validate.go,
#     "checkConsistency must ignore disabled service if required=false"), which Compose
#     uses from 2.26.0 (docker/compose go.mod at v2.26.0).
readonly COMPOSE_MIN_VERSION=2.26.0
COMPOSE_COMMAND=()

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

compose() {
  ((${#COMPOSE_COMMAND[@]} > 0)) || require_docker
  "${COMPOSE_COMMAND[@]}" "$@"
}

# version_at_least VERSION MINIMUM: true when VERSION (x.y.z, a leading v and any
# suffix allowed) is MINIMUM or later.
version_at_least() {
  local version=${1#v} minimum=$2
  version=${version%%[-+ ]*}
  [[ $version =~ ^[0-9]+(\.[0-9]+)*$ ]] || return 1
  [[ $(printf '%s\n%s\n' "$minimum" "$version" | sort -V | head -n 1) == "$minimum" ]]
}

require_docker() {
  command -v docker >/dev/null || die "Docker is not installed (https://docs.docker.com/get-docker/)"
  docker info >/dev/null 2>&1 ||
    die "Docker is installed but not running, or this user may not use it (try: sudo usermod -aG docker \"\$USER\", then log in again)"
  local version
  if version=$(docker compose version --short 2>/dev/null) && [[ -n $version ]]; then
    COMPOSE_COMMAND=(docker compose)
  elif command -v docker-compose >/dev/null && version=$(docker-compose version --short 2>/dev/null) && [[ -n $version ]]; then
    COMPOSE_COMMAND=(docker-compose)
  else
    die "Docker Compose is missing: install Docker's docker-compose-plugin package (Compose $COMPOSE_MIN_VERSION or later)"
  fi
  version_at_least "$version" "$COMPOSE_MIN_VERSION" ||
    die "Docker Compose $COMPOSE_MIN_VERSION or later is needed, found ${COMPOSE_COMMAND[*]} $version (compose.yml uses 'up --wait' and optional dependencies): install Docker's docker-compose-plugin package"
}
