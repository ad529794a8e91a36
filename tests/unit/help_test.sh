#!/usr/bin/env bash
# The command-line habits of every program, as the tools people know have them (psql,
# pgbench, kcat): --help fits 100 columns without CLI11's internal notation, -V prints the
# version, an unknown argument is reported first-given-first with "did you mean" for a
# near flag (exit 2), and the short flags pgbench and kcat use mean the same here.
#   help_test.sh BIN_DIR
# shellcheck source-path=SCRIPTDIR source=../integration/harness/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../integration/harness/lib.sh"

readonly BIN=${1:?usage: help_test.sh BIN_DIR}
readonly TOOLS=(seed purchases pageviews mzsql watch restock serve)

for tool in "${TOOLS[@]}"; do
  program=$BIN/shop-$tool
  [[ -x $program ]] || die "not an executable: $program"
  help=$("$program" --help) || die "shop-$tool --help failed"
  widest=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' <<<"$help")
  if ((widest <= 100)); then ok "shop-$tool --help fits 100 columns"; else not_ok "shop-$tool --help: a line of $widest columns"; fi
  # CLI11's own notation: "N:UINT in [1 - 1000]=10", "Excludes: --quiet", "=[]", "TEXT".
  notation=$(grep -nE 'Excludes:|Needs:|:(UINT|INT|FLOAT|NUMBER|TEXT)\b| in \[|=\[\]|\bTEXT\b' <<<"$help" || true)
  expect_eq "shop-$tool --help has none of CLI11's notation" "" "$notation"
  # A line of a paragraph that was wrapped past its end leaves a word or two alone.
  orphans=$(awk 'NF > 0 && NF <= 2 && length($0) < 20 && $0 !~ /^ *-/ && $0 !~ /:$/ { print NR": "$0 }' <<<"$help")
  expect_eq "shop-$tool --help has no stranded words from wrapping" "" "$orphans"
  expect_eq "shop-$tool -V prints its name and version" "shop-$tool" "$("$program" -V | cut -d' ' -f1)"
done

# run_usage TOOL ARGS...: sets STATUS and ERR (stderr) of a run that should stop at parsing.
run_usage() {
  local tool=$1
  shift
  STATUS=0
  ERR=$(timeout 10 "$BIN/shop-$tool" "$@" 2>&1 >/dev/null) || STATUS=$?
}

run_usage pageviews --rat 5
expect_eq "a near flag: exit 2" 2 "$STATUS"
expect_eq "a near flag gets 'did you mean'" \
  "shop-pageviews: error: unknown option '--rat'; did you mean --rate? (see shop-pageviews --help)" "$ERR"
run_usage purchases --dur=5s
expect_eq "a prefix of a flag, with =value: its name suggested, the value not echoed" \
  "shop-purchases: error: unknown option '--dur'; did you mean --duration? (see shop-purchases --help)" "$ERR"
run_usage purchases --zzz --rat 5
expect_eq "unknown arguments: the first given is reported (CLI11 reports the last)" \
  "shop-purchases: error: unknown option '--zzz' (see shop-purchases --help)" "$ERR"
run_usage seed extra
expect_eq "an argument a program takes none of" \
  "shop-seed: error: unexpected argument 'extra' (see shop-seed --help)" "$ERR"
expect_eq "  ... exit 2" 2 "$STATUS"
run_usage seed --mysql=mysql://root:hunter2@127.0.0.1/shop --bogus
expect_eq "the error never shows a password given before it" \
  "shop-seed: error: unknown option '--bogus' (see shop-seed --help)" "$ERR"

# pgbench's -R/-T/-c and kcat's -t/-b, the same meanings: the short form is accepted and
# reaches the same option (its value shows in the dry run of shop-pageviews --output stdout).
out=$(timeout 20 "$BIN/shop-pageviews" -q --output stdout -R 200 -T 1s --count 3 -t views -b 127.0.0.1:1) ||
  not_ok "shop-pageviews with -R/-T/-t/-b failed"
expect_eq "shop-pageviews -R -T -t -b are accepted; --count 3 gives 3 events" 3 "$(wc -l <<<"$out")"
help=$("$BIN/shop-purchases" --help)
expect_match "shop-purchases: pgbench's -c, -R, -T" '-c,--connections.*-R,--rate|-R,--rate.*-T,--duration' "$(tr '\n' ' ' <<<"$help")"
for flag in '-c,--connections' '-R,--rate' '-T,--duration'; do
  expect_match "shop-purchases --help lists $flag" "  $flag " "$help"
done

# shop-mzsql: psql's -v NAME=VALUE and a connection string as the first argument.
# shellcheck disable=SC2016 # ${...} is shop-mzsql's variable, literally
out=$("$BIN/shop-mzsql" --dry-run -v LOW_STOCK_THRESHOLD=50 -c 'SELECT ${LOW_STOCK_THRESHOLD}') ||
  not_ok "shop-mzsql -v NAME=VALUE failed"
expect_match "shop-mzsql -v NAME=VALUE fills the variable, as psql -v" 'SELECT 50;' "$out"
run_usage mzsql 'postgres://nobody:hunter2@127.0.0.1:1/none' -c 'SELECT 1'
expect_eq "a URL as first argument is the connection (refused port: exit 1)" 1 "$STATUS"
expect_match "  ... and it is the target connected to, password masked" \
  "^shop-mzsql: error: cannot connect to postgres://nobody:\*\*\*\*@127.0.0.1:1/none " "$ERR"
run_usage mzsql 'host=127.0.0.1 port=1 dbname=none' -c 'SELECT 1'
expect_match "key=value pairs as first argument are the connection too" \
  "^shop-mzsql: error: cannot connect to host=127.0.0.1 port=1 dbname=none " "$ERR"
run_usage mzsql --url postgres://a@127.0.0.1:1/b 'postgres://c@127.0.0.1:1/d' -c 'SELECT 1'
expect_eq "two connection strings: exit 2" 2 "$STATUS"
expect_match "  ... named as such" "two connection strings" "$ERR"

# A broker list with a scheme Kafka clients do not use: refused at once, not after
# --timeout (30 s) of trying.
run_usage pageviews --brokers kafka://127.0.0.1:9092 --count 1
expect_eq "--brokers kafka://...: exit 2 within the 10 s this allows" 2 "$STATUS"
expect_match "  ... naming the entry and the scheme" "^shop-pageviews: error: --brokers: 'kafka://127.0.0.1:9092' has the scheme 'kafka://'" "$ERR"

# Connection strings checked before connecting, as libpq parses them.
run_usage watch --url 127.0.0.1:5432/db top_items
expect_eq "--url host:port/db (no scheme): exit 2, not a Unix socket tried" \
  "shop-watch: error: --url: '127.0.0.1:5432/db' is not a connection string: expected postgres://user@host:port/database or key=value pairs ('host=... port=... dbname=...')" \
  "$ERR"
expect_eq "  ... exit 2" 2 "$STATUS"
run_usage serve --url 'host=127.0.0.1 port'
expect_match "libpq's own parser refuses a broken key=value string (exit 2)" \
  '^shop-serve: error: --url: missing "=" after "port"' "$ERR"
STATUS=0
ERR=$(DATABASE_URL='host=a password=hunter2 port' timeout 10 "$BIN/shop-watch" top_items 2>&1 >/dev/null) || STATUS=$?
expect_eq "a broken DATABASE_URL: exit 2" 2 "$STATUS"
if [[ $ERR == *hunter2* ]]; then not_ok "the password is masked in a conninfo error: $ERR"; else ok "the password is masked in a conninfo error"; fi
