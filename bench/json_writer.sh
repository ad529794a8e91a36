#!/usr/bin/env bash
# bench/json_writer.sh: the programs' own JSON writer (core/change_json.cpp over
# core/json_text.cpp: the jsonl lines of shop-watch and the change events of shop-serve)
# against nlohmann::json (Debian's nlohmann-json3-dev) writing the same lines from the
# same rows, in one process, rounds alternating, best of each. Both ways' lines are
# first checked to parse (simdjson, which checks UTF-8 too) and to carry the same values.
# Rows like a view's; every 10th name has non-ASCII characters, every 50th a byte that is
# not UTF-8 (both ways replace it with U+FFFD: nlohmann with error_handler_t::replace).
# Goal: ours no slower than nlohmann's (ratio <= 1); it decides whether the project
# takes the library (ARCHITECTURE.md, "JSON output").
#
#   bench/json_writer.sh                      # 1,000,000 rows, 5 rounds
#   ROWS=200000 ROUNDS=3 bench/json_writer.sh
#   ASCII=1 bench/json_writer.sh              # names without non-ASCII: the UTF-8 check's cost
#
# Uses the Release build (build/; json-writer-bench is built on request, not by `all`).
# Last line: ratio=<ours seconds / nlohmann seconds>.
set -euo pipefail
shopt -s inherit_errexit

readonly PROG=json_writer.sh
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

[[ -r /usr/include/nlohmann/json.hpp ]] || die "nlohmann-json is not installed (apt-get install -y nlohmann-json3-dev)"
rows=${ROWS:-1000000}
rounds=${ROUNDS:-5}
# Built each time: the target is cheap, and a stale one would measure old code.
cmake --preset release >/dev/null
cmake --build --preset release --target json-writer-bench >/dev/null || die "cannot build json-writer-bench"
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' build/CMakeCache.txt || die "build/ is not a Release build"
exec build/bin/json-writer-bench "$rows" "$rounds" ${ASCII:+ascii}
