#!/usr/bin/env bash
# install-deps.sh — installs the Debian packages of scripts/debian-packages.txt that are
# missing, and nothing else: no build, no tests.
#
#   sudo scripts/install-deps.sh              # build + local: build the programs, run
#                                             # them against local servers (README)
#   sudo scripts/install-deps.sh test         # what scripts/test.sh needs (build, local, test)
#   scripts/install-deps.sh --list GROUP...   # print the packages, one line, install nothing
#
# Groups: build, local, test (build + local + test), runtime (the container image's).
# Without root and with packages missing, it prints the exact apt-get command and exits 1.
set -euo pipefail

readonly PROG=install-deps.sh
LIST=$(dirname -- "${BASH_SOURCE[0]}")/debian-packages.txt
readonly LIST

die_usage() {
  printf '%s: error: %s (groups: build, local, test, runtime)\n' "$PROG" "$1" >&2
  exit 2
}

# packages GROUP...: the packages of the groups, in file order, each once.
packages() {
  local group wanted=()
  for group in "$@"; do
    case $group in
      build | local | runtime) wanted+=("$group") ;;
      test) wanted+=(build local test) ;;
    esac
  done
  awk -v groups=" ${wanted[*]} " '
    /^[a-z]+:/ { group = substr($1, 1, length($1) - 1)
                 if (index(groups, " " group " ")) for (i = 2; i <= NF; i++) if (!seen[$i]++) printf "%s ", $i }
  ' "$LIST"
}

list_only=0
if [[ ${1:-} == --list ]]; then
  list_only=1
  shift
fi
case ${1:-} in -h | --help) sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;; esac
(($# > 0)) || set -- build local
for group in "$@"; do
  case $group in build | local | test | runtime) ;; *) die_usage "unknown group '$group'" ;; esac
done
read -r -a wanted <<<"$(packages "$@")"

if ((list_only)); then
  printf '%s\n' "${wanted[*]}"
  exit 0
fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
((${#missing[@]} > 0)) || exit 0

if [[ $(id -u) -ne 0 ]]; then
  printf '%s: error: missing Debian packages: %s\n' "$PROG" "${missing[*]}" >&2
  printf '%s: run as root:\n  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s\n' \
    "$PROG" "${missing[*]}" >&2
  exit 1
fi
printf '%s: installing %s\n' "$PROG" "${missing[*]}" >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
# An image build wants no apt lists left behind; elsewhere they are harmless.
[[ -n ${SHOP_APT_CLEAN:-} ]] && rm -rf /var/lib/apt/lists/*
exit 0
