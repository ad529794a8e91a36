# shellcheck shell=bash
# scripts/lib.sh: shared by the scripts that drive the Docker stack (they set PROG first).
#   die MESSAGE        print "PROG: error: MESSAGE" and exit 1
#   compose ARGS...    `docker compose`, else the standalone docker-compose
#   require_docker     fail with what is missing: Docker, its daemon (or permission), Compose

die() {
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit 1
}

compose() {
  if docker compose version >/dev/null 2>&1; then
    docker compose "$@"
  else
    docker-compose "$@"
  fi
}

require_docker() {
  command -v docker >/dev/null || die "Docker is not installed (https://docs.docker.com/get-docker/)"
  docker info >/dev/null 2>&1 ||
    die "Docker is installed but not running, or this user may not use it (try: sudo usermod -aG docker \"\$USER\", then log in again)"
  docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null ||
    die "Docker Compose is missing (install the docker-compose-plugin package, or docker-compose)"
}
