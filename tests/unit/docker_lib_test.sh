#!/usr/bin/env bash
# scripts/lib.sh's choice of Docker Compose, with stand-ins for `docker` and
# `docker-compose` on PATH that print the version strings the real ones print
# (`docker compose version --short`: "2.29.7"; Debian 12's docker-compose 1.29:
# `docker-compose version --short` prints "1.29.2"). Docker itself cannot run on the
# development machines; what is tested is the script's decision and its one line.
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly STUBS=$WORK_DIR/bin TOOLS=$WORK_DIR/tools
mkdir -p "$STUBS" "$TOOLS"
# Only these tools besides the stubs: this machine's own docker-compose must not be found.
for tool in bash sort head; do ln -s "$(command -v "$tool")" "$TOOLS/$tool"; done
# stub NAME SCRIPT: an executable NAME on the stubs' PATH running SCRIPT.
stub() { printf '#!/bin/bash\n%s\n' "$2" >"$STUBS/$1" && chmod +x "$STUBS/$1"; }

# run_lib PLUGIN_VERSION STANDALONE_VERSION: require_docker, then `compose version`,
# with `docker compose` answering PLUGIN_VERSION (empty: no plugin) and a standalone
# docker-compose answering STANDALONE_VERSION (empty: none installed).
run_lib() {
  rm -f -- "$STUBS"/*
  stub docker "case \"\$1 \${2:-}\" in
  'info '*) exit 0 ;;
  'compose version') [[ -n '$1' ]] && { echo '$1'; exit 0; }; echo \"docker: 'compose' is not a docker command.\" >&2; exit 1 ;;
  'compose '*) echo \"plugin \$*\" ;;
esac"
  [[ -n $2 ]] && stub docker-compose "case \"\$1\" in version) echo '$2' ;; *) echo \"standalone \$*\" ;; esac"
  STATUS=0
  # shellcheck disable=SC2016 # $1 is the inner shell's
  OUT=$(env -i PATH="$STUBS:$TOOLS" "$TOOLS/bash" -c 'PROG=demo.sh; source "$1"; require_docker; compose ps' _ "$REPO_ROOT/scripts/lib.sh" 2>&1) || STATUS=$?
}

run_lib 2.29.7 ""
expect_eq "a current Compose plugin is used" "0 plugin compose ps" "$STATUS $OUT"
run_lib v2.26.0 1.29.2
expect_eq "the plugin at exactly the minimum (a leading v) is used before a standalone one" "0 plugin compose ps" "$STATUS $OUT"
run_lib "" 2.30.1
expect_eq "a standalone docker-compose of version 2 is used when there is no plugin" "0 standalone ps" "$STATUS $OUT"
run_lib "" 1.29.2
expect_eq "Debian 12's docker-compose 1.29 is refused with one line naming the version needed" \
  "1 demo.sh: error: Docker Compose 2.26.0 or later is needed, found docker-compose 1.29.2 (compose.yml uses 'up --wait' and optional dependencies): install Docker's docker-compose-plugin package" \
  "$STATUS $OUT"
run_lib 2.20.3 ""
expect_eq "a plugin older than 2.26.0 is refused too" \
  "1 demo.sh: error: Docker Compose 2.26.0 or later is needed, found docker compose 2.20.3 (compose.yml uses 'up --wait' and optional dependencies): install Docker's docker-compose-plugin package" \
  "$STATUS $OUT"
run_lib 2.3.3 ""
expect_match "versions compare as numbers, not as text (2.3.3 < 2.26.0)" '^1 .*found docker compose 2\.3\.3 ' "$STATUS $OUT"
run_lib "" ""
expect_eq "no Compose at all: one line saying what to install" \
  "1 demo.sh: error: Docker Compose is missing: install Docker's docker-compose-plugin package (Compose 2.26.0 or later)" \
  "$STATUS $OUT"
