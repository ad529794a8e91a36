#!/usr/bin/env bash
# The one test command (README.md, .ci/run): installs the Debian packages the build and
# the test servers need when they are missing, configures, builds and runs every test.
#
#   scripts/test.sh              # dev preset: Debug + ASan/UBSan + -Werror (what CI runs),
#                                # then the fuzz stage: the fuzz preset's libFuzzer targets,
#                                # SHOP_FUZZ_SECONDS (25) each, two at a time (tests/fuzz)
#   SHOP_PRESET=release scripts/test.sh
#   SHOP_FUZZ=0 scripts/test.sh  # without the fuzz stage
#   scripts/test.sh -L unit      # extra arguments go to ctest; the fuzz stage is skipped
#
# Without root and with packages missing, it prints the exact apt-get command and exits 1.
set -euo pipefail

readonly PROG=test.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# The Debian packages of the build, the local servers and the tests: one list
# (scripts/debian-packages.txt), installed by scripts/install-deps.sh when missing.
scripts/install-deps.sh test

# Node.js and npm drive the browser test (tests/browser: playwright-core with Debian's
# chromium). Debian's packages when the machine has no node of its own.
if ! command -v npm >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    printf '%s: error: npm is missing; run as root: apt-get install -y nodejs npm\n' "$PROG" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm
fi
# The exact versions of tests/browser/package-lock.json (no browser download: the test
# uses /usr/bin/chromium).
wanted=$(cd tests/browser && node -p "require('./package-lock.json').packages['node_modules/playwright-core'].version")
installed=$( (cd tests/browser && node -p "require('playwright-core/package.json').version") 2>/dev/null) || installed=""
if [[ $installed != "$wanted" ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund)
fi

preset=${SHOP_PRESET:-dev}
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset "$preset"
cmake --build --preset "$preset" --parallel "$jobs"
ctest --preset "$preset" --parallel "$jobs" "$@"

# The fuzz stage, on a full run only: its own build (clang, build-fuzz), only the fuzz
# programs, two at a time (each is one busy process).
if (($# == 0)) && [[ ${SHOP_FUZZ:-1} != 0 ]]; then
  cmake --preset fuzz
  cmake --build --preset fuzz --target fuzz_targets --parallel "$jobs"
  ctest --preset fuzz -L fuzz --parallel 2
fi
