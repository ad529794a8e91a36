#!/usr/bin/env bash
# cli_contract.sh PROGRAM TOOL VERSION CHECK: one check of the CLI contract every
# program keeps (DESIGN.md "Conventions"). Registered per tool by shop_add_tool().
#   help          --help exits 0 and prints "Usage: shop-TOOL" on stdout
#   version       --version exits 0 and prints exactly "shop-TOOL VERSION"
#   unknown_flag  an unknown flag exits 2 with one stderr line "shop-TOOL: error: ..." naming it
#   help_pipe     --help into a closed pipe still exits 0 (no death by SIGPIPE)
#   whole_numbers every option --help shows as "--flag N" (counts, limits, sizes, seeds)
#                 rejects -1, 1.5, 0x10 and 1e3 with exit 2 and one line naming the flag
set -uo pipefail

program=$1 tool=$2 version=$3 check=$4
fail() {
  printf 'FAIL %s: %s\n' "$check" "$*" >&2
  exit 1
}

case $check in
  help)
    out=$("$program" --help)
    status=$?
    [[ $status -eq 0 ]] || fail "exit status $status, expected 0"
    grep -q "^Usage: shop-$tool " <<<"$out" || fail "no 'Usage: shop-$tool' line in: $out"
    ;;
  version)
    out=$("$program" --version)
    status=$?
    [[ $status -eq 0 ]] || fail "exit status $status, expected 0"
    [[ $out == "shop-$tool $version" ]] || fail "printed '$out', expected 'shop-$tool $version'"
    ;;
  unknown_flag)
    err=$("$program" --no-such-flag 2>&1 >/dev/null)
    status=$?
    [[ $status -eq 2 ]] || fail "exit status $status, expected 2"
    [[ $(wc -l <<<"$err") -eq 1 ]] || fail "expected one line on stderr, got: $err"
    [[ $err =~ ^shop-$tool:\ error:\ .*--no-such-flag ]] || fail "message does not name the flag: $err"
    ;;
  help_pipe)
    "$program" --help | true
    status=${PIPESTATUS[0]}
    [[ $status -eq 0 ]] || fail "exit status $status into a closed pipe, expected 0"
    ;;
  whole_numbers)
    mapfile -t flags < <("$program" --help | sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}\(--[a-z-]*\) N\b.*/\2/p')
    for flag in "${flags[@]}"; do
      for value in -1 1.5 0x10 1e3; do
        err=$("$program" "$flag" "$value" 2>&1 >/dev/null)
        status=$?
        [[ $status -eq 2 ]] || fail "$flag $value: exit status $status, expected 2"
        [[ $(wc -l <<<"$err") -eq 1 ]] || fail "$flag $value: expected one line on stderr, got: $err"
        [[ $err =~ ^shop-$tool:\ error:\ $flag:\ .*not\ a\ whole\ number ]] ||
          fail "$flag $value: message does not name the flag and the problem: $err"
      done
    done
    check="whole_numbers (${flags[*]:-no such options})"
    ;;
  *) fail "unknown check" ;;
esac
printf 'ok %s\n' "$check"
